"""A small portal: the city home, columns, an article, a policy with its interpretation, two
sub-sites with their own editors and reviewers."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from zhengwu.directory.actions import role_assign, role_create
from zhengwu.directory.models import Account, Organisation, Region
from zhengwu.portal import actions, selectors
from zhengwu.portal.models import (
    ArticlePage,
    ColumnPage,
    InterpretationPage,
    PolicyDocumentPage,
    SubSitePage,
)


def publish(parent: Any, page: Any) -> Any:
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def ensure_page_tree() -> None:
    """Recreate what migrations made (root collection, root page, portal home, default site)
    when a transactional test (the browser tests' live server) has flushed it before this one."""
    from django.conf import settings as django_settings
    from wagtail.models import Collection, Locale, Page, Site

    from zhengwu.portal.models import HomePage

    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    if selectors.portal_home() is not None:
        return
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    name = django_settings.ZHENGWU_SITE["name"]
    home = root.add_child(instance=HomePage(title=name, slug="home"))
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                        site_name=name)


def staff(username: str, org: Organisation, **extra: Any) -> Account:
    return Account.objects.create_user(
        username, "Xx-12345678", display_name=username, kind="staff", organisation=org, **extra
    )


@pytest.fixture
def portal(db: Any, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.PORTAL_PUBLISH_DIR = tmp_path / "publish"
    # The page cache on, as in production, with a stamp of its own (tests measure misses by
    # clearing the cache; zhengwu/portal/pagecache.py).
    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    settings.PORTAL_PAGE_CACHE_STAMP = tmp_path / "page-cache.stamp"
    cache.clear()
    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    government = Organisation.objects.create(
        name="云泽市人民政府", kind="government", region=city, code="yzszf"
    )
    office = Organisation.objects.create(
        name="云泽市人民政府办公室", kind="department", region=city, parent=government, code="szfb"
    )
    scjg = Organisation.objects.create(
        name="云泽市市场监督管理局", kind="department", region=city, parent=government, code="scjg"
    )
    jyj = Organisation.objects.create(
        name="云泽市教育局", kind="department", region=city, parent=government, code="jyj"
    )
    ensure_page_tree()
    home = selectors.portal_home()
    news = publish(home, ColumnPage(title="要闻", slug="news", column_type="工作动态",
                                    show_in_menus=True, description="云泽市政府要闻"))
    article = publish(news, ArticlePage(
        title="云泽市召开优化营商环境推进会", slug="yingshang", source="云泽市人民政府办公室",
        author="李明", body="<p>会议要求各部门压缩审批时限。</p>",
        pub_date=timezone.make_aware(dt.datetime(2025, 3, 4, 9, 30)),
    ))  # fmt: skip
    policies = publish(home, ColumnPage(title="政策文件", slug="policies", column_type="政策文件",
                                        show_in_menus=True, update_period_days=180))
    policy = publish(policies, PolicyDocumentPage(
        title="云泽市人民政府关于印发优化营商环境若干措施的通知", slug="yingshang-cuoshi",
        document_number="云政发〔2025〕3号", issuer=government, written_date=dt.date(2025, 2, 20),
        body="<p>各区县人民政府，市政府各部门：</p>",
    ))  # fmt: skip
    readings = publish(home, ColumnPage(title="政策解读", slug="readings", column_type="政策解读",
                                        show_in_menus=True))
    interpretation = publish(readings, InterpretationPage(
        title="一图读懂优化营商环境若干措施", slug="yitu", policy=policy,
        body="<p>解读正文</p>",
    ))  # fmt: skip
    scjg_site = publish(home, SubSitePage(title="云泽市市场监督管理局", slug="scjg",
                                          organisation=scjg))
    scjg_news = publish(scjg_site, ColumnPage(title="部门动态", slug="news", show_in_menus=True))
    jyj_site = publish(home, SubSitePage(title="云泽市教育局", slug="jyj", organisation=jyj))
    jyj_news = publish(jyj_site, ColumnPage(title="部门动态", slug="news", show_in_menus=True))

    office_group = actions.office_review_group(home)
    for site in (scjg_site, jyj_site):
        actions.subsite_workflow(site, office_group)
    actions.portal_workflow(home, office_group)
    editor_role = role_create(actor=None, code="web_editor", name="网站编辑")
    reviewer_role = role_create(actor=None, code="web_reviewer", name="网站审核")
    actions.portal_roles_grant(actor=None)
    scjg_editor = staff("scjg_editor", scjg)
    scjg_reviewer = staff("scjg_reviewer", scjg)
    jyj_editor = staff("jyj_editor", jyj)
    final_reviewer = staff("office_reviewer", office)
    admin = staff("admin", office, is_superuser=True)
    for account, role in ((scjg_editor, editor_role), (scjg_reviewer, reviewer_role),
                          (jyj_editor, editor_role), (final_reviewer, reviewer_role)):
        role_assign(actor=None, account=account, role=role, organisation=account.organisation)
    actions.subsite_member_set(actor=admin, subsite=scjg_site, account=scjg_editor, role="editor")
    actions.subsite_member_set(actor=admin, subsite=scjg_site, account=scjg_reviewer,
                               role="reviewer")  # fmt: skip
    actions.subsite_member_set(actor=admin, subsite=jyj_site, account=jyj_editor, role="editor")
    final_reviewer.groups.add(office_group)
    return SimpleNamespace(**locals())
