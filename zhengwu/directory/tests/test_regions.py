import re
from types import SimpleNamespace

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.directory import actions
from zhengwu.directory.models import Region

CHINESE = re.compile(r"[\u4e00-\u9fff]")
L = Region.Level


def test_a_region_chain_with_proper_codes_is_created_and_audited(regions: SimpleNamespace) -> None:
    township = actions.region_create(actor=None, code="990102001", name="望江街道",
                                     level=L.TOWNSHIP, parent=regions.county)  # fmt: skip
    village = actions.region_create(actor=None, code="990102001201", name="河口村",
                                    level=L.VILLAGE, parent=township)  # fmt: skip
    assert village.parent == township
    assert AuditEntry.objects.filter(action="directory.region.create").count() == 5


@pytest.mark.parametrize(
    ("code", "level", "parent_key", "field"),
    [
        ("990100", L.PROVINCE, None, "code"),  # a city code at province level
        ("990000", L.CITY, "province", "code"),  # a province code at city level
        ("990100", L.COUNTY, "city", "code"),  # county digits 00
        ("990202", L.COUNTY, "city", "code"),  # not under 9901
        ("980200", L.CITY, "province", "code"),  # not under 99
        ("99010200", L.TOWNSHIP, "county", "code"),  # 8 digits
        ("990102000", L.TOWNSHIP, "county", "code"),  # township digits 000
        ("990103001", L.TOWNSHIP, "county", "code"),  # under another county
        ("990102001000", L.VILLAGE, "township", "code"),
        ("99010a", L.COUNTY, "city", "code"),
        ("990102' OR '1'='1", L.COUNTY, "city", "code"),
        ("９９０１０３", L.COUNTY, "city", "code"),  # full-width digits are not ASCII digits
        ("990103", L.COUNTY, "province", "parent"),  # a county needs a city
        ("990102001", L.TOWNSHIP, "city", "parent"),  # a township needs a county
        ("990200", L.CITY, None, "parent"),
    ],
)
def test_wrong_region_codes_are_refused_in_chinese_and_change_nothing(
    regions: SimpleNamespace, code: str, level: int, parent_key: str | None, field: str
) -> None:
    township = actions.region_create(actor=None, code="990102001", name="望江街道",
                                     level=L.TOWNSHIP, parent=regions.county)  # fmt: skip
    parents = {**vars(regions), "township": township}
    before = Region.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.region_create(actor=None, code=code, name="错误", level=level,
                              parent=parents.get(parent_key) if parent_key else None)  # fmt: skip
    assert CHINESE.search(str(refused.value.message))
    assert refused.value.data["field"] == field
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_a_county_directly_under_the_province_is_allowed(regions: SimpleNamespace) -> None:
    county = actions.region_create(actor=None, code="999001", name="示范直辖县",
                                   level=L.COUNTY, parent=regions.province)  # fmt: skip
    assert county.parent == regions.province


def test_duplicate_region_code_is_refused(regions: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed, match="990102"):
        actions.region_create(actor=None, code="990102", name="重复", level=L.COUNTY,
                              parent=regions.city)  # fmt: skip


def test_the_code_of_a_region_with_subdivisions_cannot_change(regions: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed):
        actions.region_update(actor=None, region=regions.city, code="990200")
    regions.city.refresh_from_db()
    assert regions.city.code == "990100"


def test_renaming_a_region_is_audited_once_and_a_no_op_not_at_all(
    regions: SimpleNamespace,
) -> None:
    actions.region_update(actor=None, region=regions.county, name="青川新区")
    actions.region_update(actor=None, region=regions.county, name="青川新区")
    entries = AuditEntry.objects.filter(action="directory.region.update")
    assert entries.count() == 1
    assert entries.get().changes == {"name": ["青川区", "青川新区"]}


def test_a_region_in_use_cannot_be_deleted(regions: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed):
        actions.region_delete(actor=None, region=regions.city)
    assert Region.objects.filter(pk=regions.city.pk).exists()
