"""The public home, site map and contact pages of 云泽市人民政府."""

import itertools
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from zhengwu.audit.actions import audit_record
from zhengwu.directory.models import Account, Organisation, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: Any) -> Region:
    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    for d, (district_name, towns) in enumerate([("云中区", 3), ("泽西县", 2)], start=1):
        district = Region.objects.create(
            code=f"9901{d:02d}", name=district_name, level=Region.Level.COUNTY, parent=city
        )
        for t in range(1, towns + 1):
            town = Region.objects.create(
                code=f"9901{d:02d}{t:03d}", name=f"{district_name}{t}镇",
                level=Region.Level.TOWNSHIP, parent=district,
            )  # fmt: skip
            for v in range(1, 3):
                Region.objects.create(
                    code=f"9901{d:02d}{t:03d}{v:03d}", name=f"{town.name}{v}村",
                    level=Region.Level.VILLAGE, parent=town,
                )  # fmt: skip
    # Not counted: an inactive town.
    Region.objects.create(
        code="990102999", name="撤并镇", level=Region.Level.TOWNSHIP, is_active=False,
        parent=Region.objects.get(code="990102"),
    )  # fmt: skip
    government = Organisation.objects.create(name="云泽市人民政府", kind="government", region=city)
    for order, name in enumerate(
        ["云泽市发展和改革委员会", "云泽市教育局", "<script>alert(1)</script>局"]
    ):
        Organisation.objects.create(
            name=name, kind="department", region=city, parent=government, sort_order=order
        )
    Organisation.objects.create(name="已撤销局", kind="department", region=city, is_active=False)
    return city


def test_home_page_is_the_chinese_portal_with_identifiers_from_settings(
    client: Any, settings: Any
) -> None:
    settings.ZHENGWU_SITE = {
        **settings.ZHENGWU_SITE,
        "site_code": "9901000077",
        "icp": "云ICP备12345678号",
        "police_record": "云公网安备 99010002000099号",
        "sponsor": "云泽市人民政府办公室",
        "operator": "云泽市大数据中心",
    }
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in page
    assert "云泽市人民政府" in page
    for value in (
        "9901000077",
        "云ICP备12345678号",
        "云公网安备 99010002000099号",
        "云泽市大数据中心",
    ):
        assert value in page
    assert "网站标识码" in page and "主办单位" in page and "承办单位" in page
    assert '<meta name="SiteIDCode" content="9901000077">' in page
    assert '<meta name="ColumnType" content="首页">' in page
    assert '<meta name="ColumnName" content="首页">' in page


def test_home_page_is_accessible_and_self_contained(client: Any) -> None:
    page = client.get("/").content.decode()
    assert 'class="skip-link" href="#main"' in page and '<main id="main"' in page
    assert "<header" in page and "<footer" in page and 'aria-label="主导航"' in page
    headings = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))  # no skipped level
    # No CDN: every stylesheet and script is served by the platform itself.
    assert not re.search(r'<(?:link|script)[^>]+(?:href|src)="(?:https?:)?//', page)


def test_districts_and_departments_come_from_the_directory(client: Any, city: Region) -> None:
    page = client.get("/").content.decode()
    assert "云泽市（行政区划代码 990100）下辖 2 个区县、5 个乡镇（街道）、10 个村（社区）" in page
    assert "云中区" in page and "泽西县" in page
    assert "云泽市发展和改革委员会" in page and "云泽市教育局" in page
    assert "已撤销局" not in page and "撤并镇" not in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;局" in page
    assert page.index("云泽市发展和改革委员会") < page.index("云泽市教育局")  # official order
    assert "云泽市人民政府设工作部门 3 个" in page


def test_an_empty_directory_still_renders_without_invented_content(client: Any, db: Any) -> None:
    page = client.get("/").content.decode()
    assert "尚未登记行政区划" in page
    assert "最后更新" not in page  # never an invented date


def test_last_updated_date_comes_from_the_audited_directory_change(
    client: Any, city: Region
) -> None:
    entry = audit_record(actor=None, action="directory.region.update", target=city, changes={})
    page = client.get("/").content.decode()
    day = f"{timezone.localtime(entry.occurred_at):%Y-%m-%d}"
    assert f'最后更新： <time datetime="{day}">{day}</time>' in page


def test_sitemap_and_contact_pages(client: Any, city: Region) -> None:
    sitemap = client.get("/sitemap/")
    assert sitemap.status_code == 200
    text = sitemap.content.decode()
    assert "网站地图" in text and "走进云泽" in text and "机构设置" in text and "云中区" in text

    contact = client.get("/contact/")
    assert contact.status_code == 200
    text = contact.content.decode()
    for key in ("address", "contact_phone", "contact_email", "sponsor", "operator"):
        assert django_settings.ZHENGWU_SITE[key] in text
    assert '<meta name="ColumnName" content="联系我们">' in text


def test_pages_answer_only_get(client: Any, db: Any) -> None:
    assert client.post("/").status_code == 405


def test_signed_in_citizens_see_the_public_pages(client: Any, city: Region) -> None:
    citizen = Account.objects.create_user(
        "citizen1", "Xx-12345678", display_name="市民甲", kind="citizen"
    )
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "市民甲" in page
    assert 'href="/workbench/">工作台</a>' not in page  # the header link is for staff only
