"""The unified inbox: selectors, pages and the workbench home panel."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhengwu.core.errors import Conflict
from zhengwu.directory.models import RoleAssignment
from zhengwu.notify.models import Message
from zhengwu.workflow import actions, selectors
from zhengwu.workflow.models import TaskEvent, WorkTask
from zhengwu.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db


def test_todo_by_candidate_role_and_organisation(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    assert list(selectors.inbox_todo(world.clerk)) == [task]
    assert list(selectors.inbox_todo(world.clerk2)) == [task]
    assert list(selectors.inbox_todo(world.outsider)) == []  # same role, other organisation
    assert list(selectors.inbox_todo(world.leader)) == []  # other role
    # Claimed: only the claimer still sees it.
    actions.task_claim(actor=world.clerk, task=task)
    assert list(selectors.inbox_todo(world.clerk2)) == []
    assert list(selectors.inbox_todo(world.clerk)) == [task]


def test_role_covering_the_subtree_sees_tasks_below(world):
    world.deploy("parallel.bpmn")
    instance = world.start("zw_test_parallel")
    actions.task_complete(actor=world.initiator, task=open_tasks(instance)[0], decision="approve")
    assert selectors.inbox_todo(world.clerk).count() == 0
    RoleAssignment.objects.filter(account=world.clerk).update(covers_subtree=True)
    assert selectors.inbox_todo(world.clerk).count() == 2  # 甲科 and 乙科 are below the bureau
    assert selectors.inbox_todo(world.outsider).count() == 0


def test_the_to_do_notice_reaches_holders_covering_the_subtree_from_above(world):
    world.deploy("parallel.bpmn")
    instance = world.start("zw_test_parallel")
    RoleAssignment.objects.filter(account=world.clerk).update(covers_subtree=True)
    actions.task_complete(actor=world.initiator, task=open_tasks(instance)[0], decision="approve")
    notices = Message.objects.filter(category="workflow.task")
    assert notices.filter(recipient=world.clerk).count() == 2  # 甲科 and 乙科, below the bureau
    assert not notices.filter(recipient=world.outsider).exists()  # same role, elsewhere
    RoleAssignment.objects.filter(account=world.clerk).update(covers_subtree=False)
    instance = world.start("zw_test_parallel")
    actions.task_complete(actor=world.initiator, task=open_tasks(instance)[0], decision="approve")
    assert notices.filter(recipient=world.clerk).count() == 2  # not for the subtree any more


def test_todo_is_one_query(world):
    world.deploy("linear.bpmn")
    world.start("zw_test_linear")
    qs = selectors.inbox_todo(world.clerk)
    with CaptureQueriesContext(connection) as ctx:
        list(qs)
    assert len(ctx.captured_queries) == 1


def test_done_started_cc_and_counts(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    actions.task_complete(actor=world.clerk, task=task, decision="approve", form_data={"amount": 1})
    assert list(selectors.inbox_done(world.clerk)) == [WorkTask.objects.get(pk=task.pk)]
    assert list(selectors.inbox_started_by_me(world.initiator)) == [instance]
    actions.task_copy(actor=world.clerk, instance=instance, recipients=[world.outsider])
    assert [c.instance for c in selectors.inbox_cc(world.outsider)] == [instance]
    counts = selectors.inbox_counts(world.leader)
    assert counts["todo"] == 1 and counts["overdue"] == 0
    WorkTask.objects.filter(status="open").update(due_date=timezone.localdate() - timedelta(days=1))
    assert selectors.inbox_counts(world.leader)["overdue"] == 1
    overdue = selectors.inbox_todo(world.leader, selectors.InboxFilters(due="overdue"))
    assert overdue.count() == 1
    assert selectors.inbox_todo(world.leader, selectors.InboxFilters(due="soon")).count() == 0
    assert selectors.inbox_todo(world.leader, selectors.InboxFilters(search="不存在")).count() == 0


def test_pages_clerk_completes_and_next_candidate_sees_it(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear", title="<script>alert(1)</script>营业执照")
    task = open_tasks(instance)[0]
    client.force_login(world.clerk)
    page = client.get(reverse("workflow:inbox"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;营业执照" in html and "<script>alert" not in html
    assert reverse("workflow:task", args=[task.pk]) in html
    page = client.get(reverse("workflow:task", args=[task.pk]))
    assert page.status_code == 200 and "field_amount" in page.content.decode()
    assert "field_secret" not in page.content.decode()  # hidden at this step
    response = client.post(
        reverse("workflow:task", args=[task.pk]),
        {"op": "complete", "decision": "approve", "opinion": "同意", "field_amount": "88"},
    )
    assert response.status_code == 302
    # Double submit: the second post says it was already handled, changes nothing.
    again = client.post(
        reverse("workflow:task", args=[task.pk]),
        {"op": "complete", "decision": "approve", "field_amount": "99"},
    )
    assert again.status_code in (400, 404)
    assert WorkTask.objects.get(pk=task.pk).form_data == {"amount": 88}
    client.force_login(world.leader)
    html = client.get(reverse("workflow:inbox")).content.decode()
    review = open_tasks(instance)[0]
    assert reverse("workflow:task", args=[review.pk]) in html
    history = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert "张承办" in history and "同意" in history
    # A clerk of another organisation sees neither the task nor the instance.
    client.force_login(world.outsider)
    assert (
        reverse("workflow:task", args=[review.pk])
        not in client.get(reverse("workflow:inbox")).content.decode()
    )
    assert client.get(reverse("workflow:task", args=[review.pk])).status_code == 404
    assert client.get(reverse("workflow:instance", args=[instance.pk])).status_code == 404


def test_tabs_and_home_panel_render(world, client):
    world.deploy("linear.bpmn")
    world.start("zw_test_linear")
    client.force_login(world.clerk)
    for tab in ("todo", "done", "started", "cc", "bogus"):
        assert client.get(reverse("workflow:inbox"), {"tab": tab, "due": "soon"}).status_code == 200
    home = client.get(reverse("workbench:home"))
    assert home.status_code == 200
    assert reverse("workflow:inbox") in home.content.decode()


def test_anonymous_and_citizens_are_kept_out(world, client):
    assert client.get(reverse("workflow:inbox")).status_code == 302


def test_send_back_from_the_task_page(world, client):
    world.deploy("sendback.bpmn")
    instance = world.start("zw_test_sendback")
    actions.task_complete(actor=world.initiator, task=open_tasks(instance)[0], decision="approve")
    review = open_tasks(instance)[0]
    client.force_login(world.clerk)
    page = client.get(reverse("workflow:task", args=[review.pk])).content.decode()
    assert 'value="submit"' in page
    response = client.post(
        reverse("workflow:task", args=[review.pk]),
        {"op": "send_back", "to_element_id": "submit", "opinion": "材料不全"},
    )
    assert response.status_code == 302
    assert open_tasks(instance)[0].assignee == world.initiator


@pytest.mark.django_db(transaction=True)
def test_two_clerks_complete_at_once_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def clerk(account, amount):
        from django.db import connections

        try:
            barrier.wait()
            actions.task_complete(
                actor=account, task=task, decision="approve", form_data={"amount": amount}
            )
            results.append("ok")
        except Conflict as exc:
            results.append(str(exc.message))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=clerk, args=(a, n))
        for a, n in ((world.clerk, 1), (world.clerk2, 2))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and len(results) == 2
    loser = next(r for r in results if r != "ok")
    assert "已由" in loser and "办理" in loser
    assert WorkTask.objects.filter(instance=instance, element_id="review").count() == 1
    assert TaskEvent.objects.filter(instance=instance, kind="completed").count() == 1


def test_counts_are_one_aggregate_query(world, django_assert_num_queries):
    world.deploy("linear.bpmn")
    first = world.start("zw_test_linear")
    world.start("zw_test_linear")
    world.start("zw_test_linear")
    tasks = list(WorkTask.objects.filter(status="open").order_by("pk"))
    today = timezone.localdate()
    WorkTask.objects.filter(pk=tasks[0].pk).update(due_date=today - timedelta(days=1))
    WorkTask.objects.filter(pk=tasks[1].pk).update(due_date=today)
    WorkTask.objects.filter(pk=tasks[2].pk).update(due_date=today + timedelta(days=30))
    actions.task_copy(actor=world.initiator, instance=first, recipients=[world.clerk])
    # The calendar's freshness token (workdays' cache), the role assignments, then ONE
    # aggregate for all four numbers; plus one query per registered external task source.
    from zhengwu.workflow.external import task_sources

    external = len(task_sources())
    with django_assert_num_queries(3 + external) as ctx:
        counts = selectors.inbox_counts(world.clerk)
    assert counts == {"todo": 3, "overdue": 1, "due_soon": 1, "cc_unread": 1}
    task_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "workflow_' in q["sql"]]
    assert len(task_queries) == 1 and "COUNT" in task_queries[0].upper()
    # An empty to-do list still reports the unread copies, in the same two queries.
    actions.task_copy(actor=world.initiator, instance=first, recipients=[world.outsider])
    with django_assert_num_queries(3 + external):
        counts = selectors.inbox_counts(world.outsider)
    assert counts == {"todo": 0, "overdue": 0, "due_soon": 0, "cc_unread": 1}
    # Nobody signed in: nothing, no error.
    from django.contrib.auth.models import AnonymousUser

    assert selectors.inbox_counts(AnonymousUser())["todo"] == 0


def test_candidate_sees_a_task_a_colleague_handled(world):
    world.deploy("linear.bpmn")
    task = open_tasks(world.start("zw_test_linear"))[0]
    actions.task_complete(actor=world.clerk, task=task, decision="approve", form_data={"amount": 1})
    # clerk2 had the same page open: the task stays visible so the conflict can be explained.
    assert selectors.access_task(world.clerk2, task.pk).pk == task.pk
    with pytest.raises(Conflict, match="张承办"):
        actions.task_complete(actor=world.clerk2, task=task, decision="approve")
    with pytest.raises(selectors.NotFound):
        selectors.access_task(world.outsider, task.pk)


def test_inbox_page_and_home_panel_cost_does_not_grow_with_rows(world, client):
    from zhengwu.workflow.apps import home_panel

    world.deploy("linear.bpmn")
    world.start("zw_test_linear")
    client.force_login(world.clerk)
    url = reverse("workflow:inbox")
    client.get(url)  # sessions, calendar cache

    class _Request:
        user = world.clerk

    def workflow_queries(fn):
        # Only the inbox's own queries: session refreshes and the calendar cache check of other
        # modules vary between requests and are not what this test is about.
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return [q["sql"] for q in ctx.captured_queries if "workflow_" in q["sql"]]

    one_page = workflow_queries(lambda: client.get(url))
    one_panel = workflow_queries(lambda: home_panel(_Request()))
    for _ in range(5):
        world.start("zw_test_linear")
    assert len(workflow_queries(lambda: client.get(url))) == len(one_page)
    assert len(workflow_queries(lambda: home_panel(_Request()))) == len(one_panel)
    assert len(home_panel(_Request())["tasks"]) == 6
