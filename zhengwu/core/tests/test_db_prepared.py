"""Prepared queries (core/db/prepared.py): compiled once with placeholders, they must give back
what the ORM gives for the same queryset (converted values, ``select_related`` objects,
annotations), bind every value afresh as a parameter, and refuse the querysets whose values
would not reach the SQL unchanged."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from zhengwu.core.db.prepared import PreparedQuery, set_prefetched
from zhengwu.directory.models import Account, Organisation, Person, Region, Role, RoleAssignment
from zhengwu.workdays.models import Deadline
from zhengwu.workflow.models import ProcessDefinition

pytestmark = pytest.mark.django_db


def _fields(obj: Model) -> dict[str, Any]:
    """Every column's value as the instance holds it."""
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _region(code: str, name: str = "", level: int = 2, parent: Region | None = None) -> Region:
    return Region.objects.create(code=code, name=name or code, level=level, parent=parent)


def _account(username: str, person: Person | None = None) -> Account:
    return Account.objects.create_user(
        username, display_name=username, kind=Account.Kind.CITIZEN, person=person
    )


def _definition(key: str, version: int, *, latest: bool, by: Account | None) -> ProcessDefinition:
    return ProcessDefinition.objects.create(
        key=key, name=f"{key} v{version}", version=version, bpmn_xml="<definitions/>",
        sha256="0" * 64, user_tasks={"approve": {"name": "审批", "limit": version, "multi": None}},
        called_keys=["sub", key], is_latest=latest, deployed_by=by,
    )  # fmt: skip


def _deadline(owner_id: str, label: str, working_days: int) -> Deadline:
    start = datetime.date(2024, 3, 1)
    return Deadline.objects.create(
        owner_type="tests.case", owner_id=owner_id, label=label, start=start,
        working_days=working_days, due_date=start + datetime.timedelta(days=working_days),
    )  # fmt: skip


def _regions_by_name(name: str) -> QuerySet[Region]:
    return Region.objects.filter(name=name)


# What comes back


def test_instances_hold_what_the_orm_reads_with_aware_datetimes_and_decoded_json() -> None:
    """The fields' own converters run: a datetime comes back aware, JSON as Python objects."""
    deployer = _account("deployer")
    _definition("leave", 1, latest=False, by=deployer)
    _definition("leave", 2, latest=True, by=None)
    _definition("travel", 1, latest=True, by=deployer)

    def build(key: str) -> QuerySet[ProcessDefinition]:
        return ProcessDefinition.objects.filter(key=key)

    found = PreparedQuery[ProcessDefinition](build, key=str).all(key="leave")

    expected = list(build("leave"))
    assert [_fields(d) for d in found] == [_fields(d) for d in expected]
    assert [d.version for d in found] == [2, 1]  # the queryset's ordering (key, -version)
    assert all(type(d) is ProcessDefinition for d in found)
    assert all(timezone.is_aware(d.deployed_at) for d in found)
    assert found[0].user_tasks == {"approve": {"name": "审批", "limit": 2, "multi": None}}
    assert found[1].called_keys == ["sub", "leave"]
    assert [(d._state.db, d._state.adding) for d in found] == [("default", False)] * 2


def test_select_related_objects_and_annotations_come_with_the_row(
    django_assert_num_queries: Any,
) -> None:
    """The related objects are filled from the same row, so reading them asks nothing more."""
    region = _region("990100", "云泽市")
    parent = Organisation.objects.create(name="云泽市人民政府", kind="government", region=region)
    child = Organisation.objects.create(
        name="云泽市市场监督管理局", kind="department", region=region, parent=parent
    )
    alice = _account("alice", person=Person.objects.create(name="李爱丽", region=region))
    bob = _account("bob")
    clerk = Role.objects.create(code="clerk", name="受理员")
    head = Role.objects.create(code="head", name="负责人")
    RoleAssignment.objects.create(account=alice, role=clerk, organisation=parent)
    RoleAssignment.objects.create(account=alice, role=head, organisation=child, covers_subtree=True)
    RoleAssignment.objects.create(account=bob, role=head, organisation=parent)

    def build(account: int) -> QuerySet[RoleAssignment]:
        below = Organisation.objects.filter(parent=OuterRef("organisation"))
        return (
            RoleAssignment.objects.select_related(
                "account__person__region", "role", "organisation__region"
            )
            .annotate(organisation_name=F("organisation__name"), has_below=Exists(below))
            .filter(account_id=account)
            .order_by("role__code")
        )

    def related(a: RoleAssignment) -> tuple[Any, ...]:
        person = a.account.person
        return (
            _fields(a.role), _fields(a.organisation), _fields(a.organisation.region),
            _fields(a.account), person and _fields(person), person and _fields(person.region),
            a.organisation_name, a.has_below,
        )  # fmt: skip

    prepared = PreparedQuery[RoleAssignment](build, account=int)
    with django_assert_num_queries(1):
        found = prepared.all(account=alice.pk)
        got = [related(a) for a in found]
    expected = list(build(alice.pk))
    assert [_fields(a) for a in found] == [_fields(a) for a in expected]
    assert got == [related(a) for a in expected]
    assert all(timezone.is_aware(a.granted_at) for a in found)
    assert [(a.role.code, a.organisation_name, a.has_below) for a in found] == [
        ("clerk", "云泽市人民政府", True),
        ("head", "云泽市市场监督管理局", False),
    ]
    assert [type(a.has_below) for a in found] == [bool, bool]  # not SQLite's 1/0

    with django_assert_num_queries(1):  # a missing optional relation is None, not a query
        bobs = prepared.first(account=bob.pk)
        assert bobs is not None
        assert bobs.account.person is None
        assert bobs.organisation.region.code == "990100"


def test_first_is_the_first_row_in_the_querysets_order_or_none() -> None:
    _deadline("1", "b", 10)
    _deadline("1", "a", 5)
    prepared = PreparedQuery[Deadline](
        lambda owner: Deadline.objects.filter(owner_id=owner).order_by("label"), owner=str
    )
    first = prepared.first(owner="1")
    assert first is not None
    assert _fields(first) == _fields(Deadline.objects.filter(owner_id="1").order_by("label")[0])
    assert first.label == "a"
    assert prepared.first(owner="2") is None
    assert prepared.all(owner="2") == []


def test_values_list_rows_are_tuples_with_converted_values() -> None:
    _deadline("7", "受理", 5)
    _deadline("7", "办结", 20)
    _deadline("8", "受理", 3)

    def build(owner: str) -> QuerySet[Any]:
        return (
            Deadline.objects.filter(owner_id=owner)
            .order_by("working_days")
            .values_list("label", "start", "opened_at", "is_open", "working_days")
        )

    found = PreparedQuery[tuple[Any, ...]](build, owner=str).all(owner="7")
    assert found == list(build("7"))
    assert [type(row) for row in found] == [tuple, tuple]
    assert [row[0] for row in found] == ["受理", "办结"]
    assert all(type(row[1]) is datetime.date and timezone.is_aware(row[2]) for row in found)
    assert all(row[3] is True for row in found)


def test_a_flat_values_list_gives_the_values_themselves() -> None:
    a, b = _region("110000", "同名"), _region("120000", "同名")
    _region("130000", "别名")

    def build(name: str) -> QuerySet[Any]:
        return Region.objects.filter(name=name).values_list("pk", flat=True)

    prepared = PreparedQuery[int](build, name=str)
    assert prepared.all(name="同名") == list(build("同名")) == [a.pk, b.pk]
    assert prepared.first(name="别名") == Region.objects.get(code="130000").pk
    assert prepared.first(name="无") is None


# Values bound anew


def test_the_sql_is_kept_and_new_values_are_bound_on_each_call(
    django_assert_num_queries: Any,
) -> None:
    """The builder runs once; a later call is one query and finds the rows of its own values
    (two slots of both kinds, one of them used twice)."""
    rows = [_deadline("x", "a", 5), _deadline("a", "x", 5), _deadline("x", "b", 9)]
    rows.append(_deadline("y", "y", 9))
    built: list[tuple[Any, ...]] = []

    def build(key: str, days: int) -> QuerySet[Deadline]:
        built.append((key, days))
        return Deadline.objects.filter(Q(owner_id=key) | Q(label=key), working_days=days)

    prepared = PreparedQuery[Deadline](build, key=str, days=int)
    seen = []
    for key, days in [("x", 5), ("x", 9), ("y", 9), ("y", 5), ("a", 5)]:
        with django_assert_num_queries(1):
            found = prepared.all(key=key, days=days)
        expected = list(Deadline.objects.filter(Q(owner_id=key) | Q(label=key), working_days=days))
        assert [_fields(d) for d in found] == [_fields(d) for d in expected]
        seen.append([d.pk for d in found])
    assert seen == [
        [rows[0].pk, rows[1].pk],
        [rows[2].pk],
        [rows[3].pk],
        [],
        [rows[0].pk, rows[1].pk],
    ]
    assert len(built) == 2  # twice with placeholders, never with a caller's values
    assert built[0] != ("x", 5)


@pytest.mark.parametrize(
    ("kind", "value"),
    [(int, "1"), (int, True), (int, 1.0), (int, None), (str, 1), (str, b"x"), (str, None)],
)
def test_a_value_of_the_wrong_type_is_refused_before_any_query(
    kind: type, value: Any, django_assert_num_queries: Any
) -> None:
    """bool is an int to Python but would bind as 1/0; nothing is converted silently."""
    if kind is int:
        prepared = PreparedQuery[Any](lambda v: Region.objects.filter(pk=v), v=int)
    else:
        prepared = PreparedQuery[Any](_regions_by_name, name=str)
    name = "v" if kind is int else "name"
    with django_assert_num_queries(0), pytest.raises(TypeError, match=name):
        prepared.all(**{name: value})


def test_text_that_looks_like_sql_is_bound_as_a_value() -> None:
    tricky = "x' OR '1'='1"
    target = _region("110000", tricky)
    _region("120000", "x")
    _region("130000", "1")
    prepared = PreparedQuery[Region](_regions_by_name, name=str)

    assert [r.pk for r in prepared.all(name=tricky)] == [target.pk]
    assert prepared.all(name="y' OR '1'='1") == []
    assert prepared.all(name="'; DELETE FROM directory_region; --") == []
    assert prepared.all(name="%") == []
    assert Region.objects.count() == 3


# What cannot be prepared


def _icontains(name: str) -> QuerySet[Region]:
    return Region.objects.filter(name__icontains=name)


def _startswith(name: str) -> QuerySet[Region]:
    return Region.objects.filter(name__startswith=name)


def _unused(name: str) -> QuerySet[Region]:
    return Region.objects.filter(name="fixed")


def _changed(name: str) -> QuerySet[Region]:
    return Region.objects.filter(name=name.upper())


def _int_as_text(name: int) -> QuerySet[Region]:
    return Region.objects.filter(code=name)  # the CharField turns the number into text


def _int_as_slice(name: int) -> QuerySet[Region]:
    return Region.objects.all()[:name]  # LIMIT is written into the SQL


@pytest.mark.parametrize(
    ("build", "kind"),
    [(_icontains, str), (_startswith, str), (_unused, str), (_changed, str),
     (_int_as_text, int), (_int_as_slice, int)],
)  # fmt: skip
def test_a_value_that_does_not_reach_the_sql_unchanged_is_refused(
    build: Callable[..., QuerySet[Region]], kind: type
) -> None:
    """Kept SQL with a rewritten (or missing) placeholder would answer for the placeholder."""
    _region("110000", "fixed")
    prepared = PreparedQuery[Region](build, name=kind)
    with pytest.raises(ValueError, match="did not reach the SQL"):
        prepared.all(name="fixed" if kind is str else 1)


def test_a_second_value_missing_from_the_sql_is_refused_too() -> None:
    def build(name: str, level: int) -> QuerySet[Region]:
        return _regions_by_name(name)

    prepared = PreparedQuery[Region](build, name=str, level=int)
    with pytest.raises(ValueError, match="level"):
        prepared.all(name="x", level=1)


def test_prefetching_in_the_builder_is_refused() -> None:
    parent = _region("110000")
    prepared = PreparedQuery[Region](
        lambda code: Region.objects.prefetch_related("children").filter(code=code), code=str
    )
    with pytest.raises(ValueError, match="prefetch"):
        prepared.all(code="110000")
    # A related manager's queryset knows its instance, which the prepared rows would not get.
    of_parent = PreparedQuery[Region](lambda code: parent.children.filter(code=code), code=str)
    with pytest.raises(ValueError, match="prefetch"):
        of_parent.all(code="110100")


def test_only_instances_or_values_list_rows_can_be_prepared() -> None:
    as_dicts = PreparedQuery[Any](lambda name: _regions_by_name(name).values("pk"), name=str)
    with pytest.raises(ValueError, match="model instances or values_list"):
        as_dicts.all(name="x")
    named = PreparedQuery[Any](
        lambda name: _regions_by_name(name).values_list("pk", named=True), name=str
    )
    with pytest.raises(ValueError, match="model instances or values_list"):
        named.all(name="x")


@pytest.mark.parametrize("kinds", [{}, {"v": float}, {"v": bool}, {"v": datetime.date},
                                   {"a": str, "v": bytes}])  # fmt: skip
def test_values_other_than_text_or_integers_are_refused(kinds: dict[str, type]) -> None:
    with pytest.raises(TypeError, match="str or int"):
        PreparedQuery[Any](lambda **values: Region.objects.all(), **kinds)


# Related rows handed over


def test_set_prefetched_serves_all_from_the_rows_and_filters_in_the_database(
    django_assert_num_queries: Any,
) -> None:
    """Like a prefetch: ``.all()`` reads the handed rows, a filter still asks, for this parent."""
    city, other = _region("110000", "一市"), _region("120000", "二市")
    north = _region("110100", "北区", 3, city)
    south = _region("110200", "南区", 3, city)
    _region("120100", "北区", 3, other)
    children = PreparedQuery[Region](
        lambda parent: Region.objects.filter(parent_id=parent), parent=int
    )

    parent = Region.objects.get(pk=city.pk)
    handed = children.all(parent=parent.pk)
    set_prefetched(parent, "children", handed)
    with django_assert_num_queries(0):
        served = list(parent.children.all())
        count = parent.children.count()
    assert served == handed == [north, south]
    assert all(a is b for a, b in zip(served, handed, strict=True))
    assert count == 2
    with django_assert_num_queries(1):
        named = list(parent.children.filter(name="北区"))
    assert [r.pk for r in named] == [north.pk]  # not the other city's 北区

    # Another instance of the same row is not affected.
    with django_assert_num_queries(2):
        assert list(Region.objects.get(pk=city.pk).children.all()) == [north, south]


def test_set_prefetched_with_no_rows_serves_an_empty_list(django_assert_num_queries: Any) -> None:
    city = _region("110000")
    _region("110100", parent=city, level=3)
    set_prefetched(city, "children", [])
    with django_assert_num_queries(0):
        assert list(city.children.all()) == []
        assert not city.children.exists()


# Where the ORM's answer must be matched exactly


def test_an_iexact_value_with_like_wildcards_matches_as_the_orm_matches() -> None:
    """SQLite's iexact is LIKE … ESCAPE: values would need escaping, so it cannot be prepared
    there; PostgreSQL compares UPPER() of both sides, which binds the value as it is."""
    _region("110000", "abc")
    _region("120000", "a_c")

    def build(name: str) -> QuerySet[Region]:
        return Region.objects.filter(name__iexact=name)

    prepared = PreparedQuery[Region](build, name=str)
    if connection.vendor == "sqlite":
        with pytest.raises(ValueError, match="did not reach the SQL"):
            prepared.all(name="abc")
        return
    for value in ["a%", "A_C", "ABC", "%"]:
        assert [r.pk for r in prepared.all(name=value)] == [r.pk for r in build(value)], value


def test_an_integer_compared_with_a_small_integer_column_can_be_prepared() -> None:
    county = _region("110100", level=3)
    _region("110000", level=1)

    def build(level: int) -> QuerySet[Region]:
        return Region.objects.filter(level=level)

    found = PreparedQuery[Region](build, level=int).all(level=3)
    assert [r.pk for r in found] == [county.pk]


def test_an_integer_beyond_the_columns_range_finds_nothing_as_in_the_orm() -> None:
    _region("110000")
    prepared = PreparedQuery[Region](lambda pk: Region.objects.filter(pk=pk), pk=int)
    for value in [2**63, -(2**63) - 1]:
        assert list(Region.objects.filter(pk=value)) == []
        assert prepared.all(pk=value) == []
