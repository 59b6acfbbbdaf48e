"""The catalogue's standard taxonomies, seeded by ``taxonomy_ensure`` (demo loader and
``manage.py eservices_setup``): topics (主题) and life events (个人: 出生、入学、就业、婚育、退休…;
法人: 开办、经营、变更、注销…). Codes are stable URL parts; names are what the public reads."""

from django.db import transaction

from zhengwu.eservices.models import LifeEvent, Topic

# (code, name, audience)
TOPICS: list[tuple[str, str, str]] = [
    ("birth-adoption", "生育收养", "person"),
    ("household", "户籍办理", "person"),
    ("education", "教育科研", "person"),
    ("employment", "就业创业", "both"),
    ("marriage", "婚姻登记", "person"),
    ("social-security", "社会保障", "both"),
    ("social-assistance", "社会救助", "person"),
    ("elderly-care", "养老服务", "person"),
    ("health", "医疗卫生", "both"),
    ("legal-services", "法律服务", "person"),
    ("real-estate", "不动产登记", "both"),
    ("transport", "交通运输", "both"),
    ("market-access", "市场准入", "legal_entity"),
    ("food-drug", "食品药品", "legal_entity"),
    ("construction", "工程建设", "legal_entity"),
    ("environment", "生态环境", "legal_entity"),
    ("water", "水资源", "legal_entity"),
    ("agriculture", "农林牧渔", "legal_entity"),
    ("culture-tourism", "文化旅游", "legal_entity"),
    ("city-appearance", "市容环境", "legal_entity"),
    ("work-safety", "安全生产", "legal_entity"),
]

# (code, name, audience)
LIFE_EVENTS: list[tuple[str, str, str]] = [
    ("birth", "出生", "person"),
    ("schooling", "入学", "person"),
    ("employment", "就业", "person"),
    ("marriage-children", "婚育", "person"),
    ("housing", "安居", "person"),
    ("hardship", "救助", "person"),
    ("retirement", "退休", "person"),
    ("old-age", "养老", "person"),
    ("opening", "开办", "legal_entity"),
    ("operation", "经营", "legal_entity"),
    ("investment", "投资建设", "legal_entity"),
    ("change", "变更", "legal_entity"),
    ("closure", "注销", "legal_entity"),
]


@transaction.atomic
def taxonomy_ensure() -> int:
    """Create the missing entries (never renames or deletes). Returns how many were created."""
    created = 0
    for position, (code, name, audience) in enumerate(TOPICS):
        _obj, made = Topic.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "position": position}
        )
        created += made
    for position, (code, name, audience) in enumerate(LIFE_EVENTS):
        _obj, made = LifeEvent.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "position": position}
        )
        created += made
    return created
