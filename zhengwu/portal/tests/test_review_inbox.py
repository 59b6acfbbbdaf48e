"""Moderation reviews in the unified inbox: each in-progress review step shows to the members of
its reviewer group, with a due date (configurable working days per step) and the link to the
page's review in the CMS, and is counted in the inbox counts."""

from typing import Any

import pytest
from django.urls import reverse
from wagtail.models import GroupApprovalTask

from zhengwu.portal import review_tasks
from zhengwu.portal.models import ArticlePage, ReviewDeadline
from zhengwu.workflow import selectors
from zhengwu.workflow.selectors import InboxFilters

pytestmark = pytest.mark.django_db


def submitted(portal: Any) -> ArticlePage:
    page = ArticlePage(title="市场监管局开展食品安全检查", slug="food", body="<p>检查</p>",
                       live=False)  # fmt: skip
    portal.scjg_news.add_child(instance=page)
    page.save_revision(user=portal.scjg_editor)
    page.get_workflow().start(page, portal.scjg_editor)
    return page


def approve(page: ArticlePage, user: Any) -> None:
    state = page.current_workflow_task_state
    state.task.specific.on_action(state, user, "approve", comment="同意")


def test_the_department_step_shows_to_its_reviewers_with_due_date_and_link(
    client: Any, portal: Any
) -> None:
    department = GroupApprovalTask.objects.get(name="云泽市市场监督管理局·部门审核")
    ReviewDeadline.objects.create(task=department, working_days=5)
    page = submitted(portal)

    tasks = review_tasks.review_tasks(portal.scjg_reviewer)
    assert [(t.title, t.step) for t in tasks] == [(page.title, "云泽市市场监督管理局·部门审核")]
    started = page.current_workflow_task_state.started_at
    assert tasks[0].due_date == review_tasks.due_date(started, 5)
    assert tasks[0].due_date != review_tasks.due_date(started, 3)
    assert tasks[0].url == reverse("wagtailadmin_pages:edit", args=(page.pk,))
    # Not for the editor, another department's editor or the office (not its step yet).
    for other in (portal.scjg_editor, portal.jyj_editor, portal.final_reviewer):
        assert review_tasks.review_tasks(other) == []

    assert selectors.inbox_counts(portal.scjg_reviewer)["todo"] == 1
    client.force_login(portal.scjg_reviewer)
    html = client.get(reverse("workflow:inbox")).content.decode()
    assert page.title in html and tasks[0].url in html
    assert tasks[0].due_date.strftime("%Y-%m-%d") in html
    assert "(1)" in html  # the to-do count


def test_the_office_step_follows_the_department_approval(portal: Any) -> None:
    page = submitted(portal)
    approve(page, portal.scjg_reviewer)
    assert review_tasks.review_tasks(portal.scjg_reviewer) == []
    tasks = review_tasks.review_tasks(portal.final_reviewer)
    assert [t.step for t in tasks] == ["办公室终审"]
    # The default time limit applies to a step without its own.
    started = ArticlePage.objects.get(pk=page.pk).current_workflow_task_state.started_at
    assert tasks[0].due_date == review_tasks.due_date(started, review_tasks.default_working_days())
    approve(ArticlePage.objects.get(pk=page.pk), portal.final_reviewer)
    assert review_tasks.review_tasks(portal.final_reviewer) == []
    assert ArticlePage.objects.get(pk=page.pk).live


def test_inbox_filters_apply_to_review_tasks(portal: Any) -> None:
    page = submitted(portal)
    reviewer = portal.scjg_reviewer
    assert selectors.inbox_external(reviewer, InboxFilters(search="食品"))[0].title == page.title
    assert selectors.inbox_external(reviewer, InboxFilters(search="教育")) == []
    other_type = InboxFilters(owner_type="eservices.application")
    assert selectors.inbox_external(reviewer, other_type) == []
    assert len(selectors.inbox_external(reviewer, InboxFilters(owner_type="portal.review"))) == 1


def test_nothing_to_review_costs_one_query(portal: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert review_tasks.review_tasks(portal.scjg_reviewer) == []
