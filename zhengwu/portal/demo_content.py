"""Demo content of the 云泽市 portal cluster: columns, sub-sites, articles, policy documents with
their interpretations, 三农服务 and 招商引资 special columns, 表格下载 and a 政务公开 catalogue.

Everything is generated from sentence templates with a fixed seed (fictional, no lorem ipsum).
Fast path: pages are created live with one Wagtail revision each (``live_revision`` set, as
publishing leaves it) without sending ``page_published`` — that would render the static export
and re-index search once per page. Search is rebuilt once at the end (``search_reindex``); the
static export is refreshed by ``manage.py portal_publish`` (pages not yet exported are served
by the application meanwhile). Idempotent: a page is created only when its slug is missing under
its parent, catalogue items only up to the target count per organisation.
"""

import datetime as dt
import io
import random
import zipfile
import zlib
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page

from zhengwu.core.registry import DemoCredential

SEED = 202506
NOW = dt.datetime(2025, 6, 30, 10, 0)  # noqa: DTZ001 - local time; content dates end here

TOPICS = [
    ("优化营商环境", "市场监管、安全生产监管"), ("乡村振兴", "农业、林业、水利"),
    ("安全生产", "市场监管、安全生产监管"), ("防汛抗旱", "农业、林业、水利"),
    ("义务教育", "科技、教育"), ("医疗保障", "卫生、体育"), ("养老服务", "民政、扶贫、救灾"),
    ("就业创业", "劳动、人事、监察"), ("生态环境保护", "城乡建设、环境保护"),
    ("老旧小区改造", "城乡建设、环境保护"), ("高标准农田建设", "农业、林业、水利"),
    ("食品安全", "市场监管、安全生产监管"), ("森林防火", "农业、林业、水利"),
    ("数字政府建设", "综合政务"), ("政务服务“一网通办”", "综合政务"),
    ("减税降费", "财政、金融、审计"), ("城乡居民医疗保险", "卫生、体育"),
    ("农村人居环境整治", "城乡建设、环境保护"), ("中小企业纾困", "国民经济管理、国有资产监管"),
    ("文明城市创建", "综合政务"), ("公共文化服务", "文化、广电、新闻出版"),
    ("交通运输安全", "工业、交通"), ("住房公积金", "城乡建设、环境保护"),
    ("社会救助", "民政、扶贫、救灾"),
]  # fmt: skip
PLACES = ["青川区", "临溪区", "白石县", "望江街道", "柳湾镇", "石桥镇", "白石镇", "云岭镇",
          "松坪乡", "云泽经济技术开发区", "临溪高新产业园"]  # fmt: skip
PEOPLE = ["王建国", "李志强", "张晓梅", "刘海涛", "陈文静", "杨帆", "赵永红", "周立新"]
EVENTS = ["工作推进会", "专题会议", "现场观摩会", "调度会", "座谈会", "培训班", "督导检查",
          "专项行动部署会"]  # fmt: skip

NEWS_TITLES = [
    "{org}召开{topic}{event}", "{leader}到{place}调研{topic}工作", "{place}{topic}工作取得新进展",
    "{org}部署{year}年{topic}重点任务", "全市{topic}{event}在{place}召开",
    "{place}扎实推进{topic}", "{org}开展{topic}专项督导", "{place}：{topic}跑出“加速度”",
]  # fmt: skip
NOTICE_TITLES = [
    "关于开展{year}年{topic}专项检查的通知", "关于做好{topic}有关工作的通知",
    "关于{topic}项目申报工作的通知", "关于公布{year}年{topic}评审结果的公告",
    "关于征求《{topic}实施办法（征求意见稿）》意见的公告", "关于举办{topic}业务培训班的通知",
]  # fmt: skip
NEWS_PARAGRAPHS = [
    "{date}，{org}召开{topic}{event}，{leader}出席会议并讲话。会议传达学习了上级关于{topic}的"
    "决策部署，通报了前一阶段工作进展，分析了存在的问题，安排部署下一步重点任务。",
    "会议指出，{topic}事关人民群众切身利益，事关经济社会发展大局。各地各部门要提高政治站位，"
    "压紧压实责任，以钉钉子精神抓好各项任务落实。",
    "今年以来，{place}围绕{topic}，累计投入资金{money}万元，实施项目{count}个，惠及群众{people}人，"
    "完成年度目标任务的{pct}%。",
    "会议要求，要坚持问题导向，聚焦群众反映强烈的突出问题，建立问题清单、任务清单、责任清单，"
    "实行销号管理，确保{month}月底前全部整改到位。",
    "在{place}，记者看到，{scene}。当地负责人介绍，下一步将继续加大投入，推动{topic}提质增效。",
    "{leader}强调，要强化统筹协调，加强部门联动，定期调度通报，对工作不力、进度滞后的单位"
    "严肃问责，切实把{topic}各项措施抓实抓细抓到位。",
    "据统计，{year}年上半年全市{topic}相关投诉举报同比下降{pct2}%，群众满意度达到{pct3}%。",
]  # fmt: skip
SCENES = ["施工现场机器轰鸣、一派繁忙", "村道两旁绿树成荫、干净整洁", "政务服务大厅秩序井然",
          "新建的便民服务站已投入使用", "高标准农田里麦浪翻滚",
          "企业车间生产线满负荷运转"]  # fmt: skip
NOTICE_PARAGRAPHS = [
    "各区县人民政府，市直各部门、各单位：",
    "为深入贯彻落实{topic}有关决策部署，切实做好{year}年相关工作，经市人民政府同意，现将有关事项"
    "通知如下：",
    "一、工作目标。到{year}年底，全市{topic}工作机制进一步健全，重点任务全面完成，群众满意度明显"
    "提升。",
    "二、工作安排。{month}月{day}日前，各单位完成自查并形成书面报告；随后由{org}组织抽查，"
    "抽查比例不低于{pct}%。",
    "三、工作要求。各单位要高度重视，明确一名分管负责同志和一名联络员，于{month}月{day}日前将"
    "联络员名单及工作总结报送{org}。",
    "联系人：{leader}，联系电话：0870-{phone}，电子邮箱：yzgov{phone}@yunze.example.gov.cn。",
]  # fmt: skip
POLICY_PARAGRAPHS = [
    "第一条 为推进{topic}，根据有关法律法规和政策规定，结合本市实际，制定本方案。",
    "第二条 本方案适用于本市行政区域内{topic}相关工作。{org}负责统筹协调，各区县人民政府负责"
    "组织实施。",
    "第三条 到{year}年，{topic}主要指标达到全省先进水平，建成一批示范项目，"
    "形成可复制可推广的经验。",
    "第四条 市财政每年安排专项资金{money}万元，对符合条件的项目给予补助，单个项目补助不超过"
    "{count}万元。",
    "第五条 建立健全考核评价机制，将{topic}纳入年度绩效考核，考核结果向社会公开。",
    "第六条 本方案自印发之日起施行，有效期{years}年。",
]  # fmt: skip
READING_PARAGRAPHS = [
    "一、出台背景。{topic}是群众关心、企业关注的重要工作。为回应社会关切，{org}在深入调研、广泛"
    "征求意见的基础上起草了《{title}》。",
    "二、主要内容。《{title}》共{count}条，明确了工作目标、重点任务和保障措施，重点解决资金保障、"
    "部门协同和考核评价等问题。",
    "三、主要亮点。一是政策直达快享，符合条件的企业和群众无需申请即可享受；二是办理时限由"
    "{days}个工作日压缩至{days2}个工作日；三是全程网上办理，实现“最多跑一次”。",
    "四、解读机关及联系方式。解读机关：{org}；解读人：{leader}；咨询电话：0870-{phone}。",
]  # fmt: skip
RESPONSE_TITLES = ["关于{place}{topic}有关问题的回应", "市民关心的{topic}问题，权威回应来了",
                   "关于网民反映{place}{topic}问题的说明"]  # fmt: skip
AGRI_TITLES = ["{year}年耕地地力保护补贴发放工作启动", "{place}高标准农田建设项目通过验收",
               "春季农业生产技术指导意见", "{place}特色产业助农增收", "农机购置与应用补贴申请指南",
               "{place}开展农产品质量安全专项整治", "秋粮收获及秸秆综合利用工作提示"]  # fmt: skip
INVEST_TITLES = ["{place}重点招商项目推介", "云泽市{year}年招商引资优惠政策汇编",
                 "{place}成功签约{count}个产业项目", "{org}赴长三角开展招商推介活动",
                 "云泽经济技术开发区投资指南", "{place}标准厂房招租公告"]  # fmt: skip
FORMS = [
    ("云泽市政府信息公开申请表",
     "申请人姓名、证件号码、联系电话、所需政府信息的内容描述、获取方式"),
    ("行政许可申请书（通用）", "申请人、申请事项、申请理由、申请材料清单、申请日期"),
    ("耕地地力保护补贴申报表", "农户姓名、身份证号码、承包地面积、种植作物、开户银行及账号"),
    ("招商引资项目登记表", "项目名称、投资主体、总投资额、建设内容、用地需求、联系人"),
    ("城乡居民医疗保险参保登记表", "姓名、公民身份号码、户籍所在地、缴费档次、联系电话"),
    ("企业开办一件事申请表", "企业名称、统一社会信用代码、住所、经营范围、法定代表人"),
]  # fmt: skip

# (org code, slug, site title); the organisations come from the directory demo.
SUBSITES = [
    ("scjg", "scjg", "云泽市市场监督管理局"), ("jy", "jyj", "云泽市教育局"),
    ("nync", "nyncj", "云泽市农业农村局"), ("qcq", "qcq", "青川区人民政府"),
    ("bsx", "bsx", "白石县人民政府"),
]  # fmt: skip
# (slug, title, column type, update days, parent slug or "", count, kind)
PORTAL_COLUMNS = [
    ("xxfb", "信息发布", "工作动态", 14, "", 0, ""),
    ("yw", "要闻", "工作动态", 14, "xxfb", 30, "news"),
    ("tzgg", "通知公告", "通知公告", 180, "xxfb", 24, "notice"),
    ("bmdt", "部门动态", "工作动态", 14, "xxfb", 30, "news"),
    ("zcwj", "政策文件", "政策文件", 180, "", 14, "policy"),
    ("jdhy", "解读回应", "政策解读", 180, "", 0, ""),
    ("zcjd", "政策解读", "政策解读", 180, "jdhy", 0, "reading"),
    ("hygq", "回应关切", "回应关切", 30, "jdhy", 8, "response"),
    ("snfw", "三农服务", "专题专栏", 30, "", 14, "agri"),
    ("zsyz", "招商引资", "专题专栏", 30, "", 12, "invest"),
    ("bgxz", "表格下载", "表格下载", 365, "", 0, "forms"),
]  # fmt: skip
SUBSITE_COLUMNS = [
    ("gzdt", "工作动态", "工作动态", 14, "", 14, "news"),
    ("tzgg", "通知公告", "通知公告", 180, "", 8, "notice"),
    ("zcwj", "政策文件", "政策文件", 180, "", 4, "policy"),
    ("zcjd", "政策解读", "政策解读", 180, "", 0, "reading"),
]  # fmt: skip
DISCLOSURE_PER_ORG = 40  # × (portal + 5 sub-sites + 2 more departments) ≈ 320 items
EXTRA_DISCLOSURE_ORGS = ["fgw", "rs"]


class _Writer:
    def __init__(self, stdout: Any) -> None:
        self.stdout = stdout
        self.rnd = random.Random(SEED)  # noqa: S311 - demo text, not security
        self.created = 0

    # --- text ------------------------------------------------------------------------------

    def slots(self, org: str, when: dt.datetime, **extra: Any) -> dict[str, Any]:
        r = self.rnd
        topic = extra.pop("topic", None) or r.choice(TOPICS)[0]
        return {
            "org": org, "topic": topic, "place": r.choice(PLACES), "leader": r.choice(PEOPLE),
            "event": r.choice(EVENTS), "year": when.year, "month": r.randint(when.month, 12),
            "day": r.randint(1, 28), "date": f"{when.month}月{when.day}日",
            "money": r.choice([300, 850, 1200, 2600, 5800]), "count": r.choice([8, 12, 26, 45]),
            "people": r.choice([3600, 12800, 56000, 180000]), "pct": r.choice([60, 78, 86, 95]),
            "pct2": r.choice([12, 18, 23, 31]), "pct3": r.choice([92, 95, 97, 98]),
            "scene": r.choice(SCENES), "phone": f"{r.randint(6310000, 6899999)}",
            "years": r.choice([3, 5]), "days": r.choice([20, 15, 10]), "days2": r.choice([5, 3]),
            **extra,
        }  # fmt: skip

    def body(self, templates: list[str], values: dict[str, Any], n: int | None = None) -> str:
        chosen = templates if n is None else self.rnd.sample(templates, min(n, len(templates)))
        return "".join(f"<p>{t.format(**values)}</p>" for t in chosen)

    def when(self, index: int, total: int) -> dt.datetime:
        days = int(index * 720 / max(total, 1)) + self.rnd.randint(0, 6)
        naive = NOW - dt.timedelta(days=days, hours=self.rnd.randint(0, 8))
        return timezone.make_aware(naive)

    # --- pages -----------------------------------------------------------------------------

    def child(self, parent: Page, slug: str) -> Page | None:
        return parent.get_children().filter(slug=slug).first()

    def add(self, parent: Page, page: Page, when: dt.datetime | None = None) -> Page:
        """Create ``page`` live under ``parent`` with one revision that is its live revision."""
        when = when or timezone.make_aware(NOW)
        page.live = True
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = when
        parent.add_child(instance=page)
        revision = page.save_revision(changed=False, clean=False)
        revision.created_at = when
        revision.save(update_fields=["created_at"])
        Page.objects.filter(pk=page.pk).update(
            live_revision=revision, latest_revision=revision, has_unpublished_changes=False
        )
        self.created += 1
        return page

    def ensure(self, parent: Page, page: Page) -> Page:
        existing = self.child(parent, page.slug)
        return existing.specific if existing else self.add(parent, page)

    def columns(self, root: Page, specs: list[tuple], org: Any, org_name: str) -> None:
        from zhengwu.portal.models import ColumnPage

        made: dict[str, Page] = {}
        for slug, title, ctype, days, parent_slug, _count, _kind in specs:
            parent = made[parent_slug] if parent_slug else root
            made[slug] = self.ensure(parent, ColumnPage(
                title=title, slug=slug, column_type=ctype, update_period_days=days,
                show_in_menus=not parent_slug, description=f"{org_name}{title}",
                keywords=title,
            ))  # fmt: skip
        # Filled after all columns exist: policies need their interpretations' column.
        for slug, _title, _ctype, _days, _parent, count, kind in specs:
            if kind and not made[slug].get_children().exists():
                self.fill(made[slug], kind, count, org, org_name, made)

    def fill(self, column: Page, kind: str, count: int, org: Any, org_name: str,
             made: dict[str, Page]) -> None:  # fmt: skip
        from zhengwu.portal.models import ArticlePage

        if kind == "policy":
            self.policies(column, count, org, org_name, made.get("zcjd"))
            return
        if kind == "forms":
            self.forms(column)
            return
        titles = {"news": NEWS_TITLES, "notice": NOTICE_TITLES, "response": RESPONSE_TITLES,
                  "agri": AGRI_TITLES, "invest": INVEST_TITLES}[kind]  # fmt: skip
        paragraphs = NOTICE_PARAGRAPHS if kind == "notice" else NEWS_PARAGRAPHS
        seen: set[str] = set()
        for i in range(count):
            when = self.when(i, count)
            values = self.slots(org_name, when)
            title = self.rnd.choice(titles).format(**values)
            if title in seen:
                continue
            seen.add(title)
            n = None if kind == "notice" else self.rnd.randint(3, 5)
            self.add(column, ArticlePage(
                title=title, slug=f"{column.slug}-{i + 1}", pub_date=when, source=org_name,
                author=values["leader"], body=self.body(paragraphs, values, n),
                search_description=title,
            ), when)  # fmt: skip

    def policies(self, column: Page, count: int, org: Any, org_name: str,
                 readings: Page | None) -> None:  # fmt: skip
        from zhengwu.portal.models import InterpretationPage, PolicyDocumentPage

        prefixes = {"云泽市人民政府": "云政发", "云泽市市场监督管理局": "云市监发",
                    "云泽市教育局": "云教发", "云泽市农业农村局": "云农发"}  # fmt: skip
        prefix = prefixes.get(org_name, "云政办发")
        if org_name.endswith(("区人民政府", "县人民政府")):
            prefix = org_name[:2] + "政发"
        topics = self.rnd.sample(TOPICS, min(count, len(TOPICS)))
        for i, (topic, subject) in enumerate(topics):
            when = self.when(i, count)
            values = self.slots(org_name, when, topic=topic)
            doc_title = f"{org_name}关于印发{topic}实施方案的通知"
            policy = self.add(column, PolicyDocumentPage(
                title=doc_title, slug=f"zcwj-{i + 1}", pub_date=when, source=org_name,
                document_number=f"{prefix}〔{when.year}〕{i + 3}号", issuer=org,
                written_date=(when - dt.timedelta(days=5)).date(),
                validity="repealed" if i % 7 == 6 else "valid", topic=subject,
                genre="通知", body=self.body(POLICY_PARAGRAPHS, values),
                search_description=f"{topic}实施方案",
            ), when)  # fmt: skip
            if readings is not None and i % 3 != 2:
                reading_values = {**values, "title": f"{topic}实施方案"}
                self.add(readings, InterpretationPage(
                    title=f"《{topic}实施方案》政策解读", slug=f"zcjd-{i + 1}",
                    pub_date=when + dt.timedelta(days=1), source=org_name, policy=policy,
                    author=values["leader"], body=self.body(READING_PARAGRAPHS, reading_values),
                ), when + dt.timedelta(days=1))  # fmt: skip

    def forms(self, column: Page) -> None:
        from zhengwu.portal.models import ColumnDownload

        for position, (title, fields) in enumerate(FORMS):
            ColumnDownload.objects.get_or_create(
                column=column, document=self.document(title, fields),
                defaults={"sort_order": position, "note": "请下载后填写，加盖公章后提交。"},
            )  # fmt: skip

    def document(self, title: str, fields: str) -> Any:
        document_model = get_document_model()
        existing = document_model.objects.filter(title=title).first()
        if existing:
            return existing
        lines = [title, "填表说明：请如实填写以下内容，带*项为必填。", *fields.split("、")]
        name = f"form-{zlib.crc32(title.encode()):08x}.docx"
        return document_model.objects.create(title=title, file=ContentFile(_docx(lines), name=name))

    # --- catalogue -------------------------------------------------------------------------

    def catalogue(self, org: Any) -> None:
        from zhengwu.portal import actions
        from zhengwu.portal.models import DISCLOSURE_GENRES, DisclosureItem

        have = DisclosureItem.objects.filter(organisation=org).count()
        for i in range(have, DISCLOSURE_PER_ORG):
            when = self.when(i, DISCLOSURE_PER_ORG)
            topic, subject = self.rnd.choice(TOPICS)
            genre = self.rnd.choice(
                ["通知", "意见", "方案", "办法", "公告", "报告", "规划", "批复"]
            )
            genre = genre if genre in DISCLOSURE_GENRES else "其他"
            title = {"通知": f"关于做好{when.year}年{topic}工作的通知",
                     "意见": f"关于加快推进{topic}的实施意见",
                     "方案": f"{topic}三年行动方案（{when.year}—{when.year + 2}年）",
                     "办法": f"{topic}专项资金管理办法", "公告": f"关于{topic}有关事项的公告",
                     "报告": f"{when.year}年{topic}工作情况报告",
                     "规划": f"“十四五”{topic}发展规划",
                     "批复": f"关于{topic}项目的批复"}[genre]  # fmt: skip
            actions.disclosure_item_create(
                actor=None, organisation=org, title=f"{org.name}{title}", topic=subject,
                genre=genre, generated_on=when.date(), published_on=when.date(),
                document_number=f"{org.short_name or org.name[:4]}〔{when.year}〕{i + 1}号",
                validity="repealed" if i % 11 == 10 else "valid",
                summary=f"{org.name}就{topic}作出部署，明确目标任务、责任分工和保障措施。",
                audit=False,
            )  # fmt: skip
            self.created += 1


def _docx(lines: list[str]) -> bytes:
    """A minimal valid Word document (the text indexes; Word and WPS open it)."""
    from xml.sax.saxutils import escape

    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ))  # fmt: skip
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'
        ))  # fmt: skip
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def load(stdout: Any) -> list[DemoCredential]:
    from zhengwu.directory.models import Organisation
    from zhengwu.portal.models import DisclosureCataloguePage, HomePage, SubSitePage
    from zhengwu.search.actions import search_reindex

    home = HomePage.objects.filter(live=True).first()
    government = Organisation.objects.filter(code="yzszf").first()
    if home is None or government is None:
        stdout.write("portal demo content: no portal home page or directory yet, skipped\n")
        return []
    writer = _Writer(stdout)
    writer.columns(home, PORTAL_COLUMNS, government, "云泽市人民政府")
    writer.ensure(home, DisclosureCataloguePage(title="政务公开", slug="zwgk", show_in_menus=True))
    writer.catalogue(government)
    for org_code, slug, title in SUBSITES:
        org = Organisation.objects.filter(code=org_code).first()
        if org is None:
            continue
        site = writer.ensure(home, SubSitePage(title=title, slug=slug, organisation=org,
                                               show_in_menus=False))  # fmt: skip
        writer.columns(site, SUBSITE_COLUMNS, org, title)
        writer.ensure(site, DisclosureCataloguePage(title="信息公开", slug="xxgk"))
        writer.catalogue(org)
    for code in EXTRA_DISCLOSURE_ORGS:
        if org := Organisation.objects.filter(code=code).first():
            writer.catalogue(org)
    if writer.created:
        counts = search_reindex(["portal"])
        stdout.write(f"portal demo content: {writer.created} pages and items created; "
                     f"search index: {counts['portal']} entries\n")  # fmt: skip
    return []
