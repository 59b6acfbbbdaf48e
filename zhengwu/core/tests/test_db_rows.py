"""Plain INSERT and UPDATE statements (core/db/rows.py): a row written by ``insert``,
``insert_all`` or ``update`` must end up in the database, in the instance and in the signals
exactly as ``save()`` would leave it, and whatever the shortcut does not handle must go through
``save()`` itself."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Model, Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from zhengwu.audit.models import AppendOnlyError, AuditEntry
from zhengwu.core.db import rows
from zhengwu.core.db.rows import insert, insert_all, update
from zhengwu.directory.models import Account, Region, Role
from zhengwu.notify.models import Message
from zhengwu.workdays.models import Deadline

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 3, 1)


def _fields(obj: Model) -> dict[str, Any]:
    """Every column's value as the instance holds it."""
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _stored(obj: Model) -> dict[str, Any]:
    """Every column's value as the database holds it."""
    return _fields(type(obj)._default_manager.get(pk=obj.pk))


def _deadline(owner_id: str = "1", label: str = "受理", working_days: int = 5) -> Deadline:
    return Deadline(
        owner_type="tests.case", owner_id=owner_id, label=label, start=START,
        working_days=working_days, due_date=START + datetime.timedelta(days=working_days),
    )  # fmt: skip


def _account(username: str) -> Account:
    return Account.objects.create_user(username, display_name=username, kind=Account.Kind.CITIZEN)


def _message(recipient: Account, subject: str = "通知") -> Message:
    return Message(recipient=recipient, subject=subject, body="正文", category="tests")


@contextmanager
def _signals(model: type[Model]) -> Iterator[list[tuple[Any, ...]]]:
    """What pre_save and post_save tell receivers of ``model``, in order."""
    seen: list[tuple[Any, ...]] = []

    def before(sender: Any, instance: Any, raw: Any, using: Any, update_fields: Any,
               **kwargs: Any) -> None:  # fmt: skip
        seen.append(("pre_save", sender, instance, instance.pk, instance._state.adding, None,
                     raw, using, update_fields))  # fmt: skip

    def after(sender: Any, instance: Any, created: Any, raw: Any, using: Any, update_fields: Any,
              **kwargs: Any) -> None:  # fmt: skip
        seen.append(("post_save", sender, instance, instance.pk, instance._state.adding, created,
                     raw, using, update_fields))  # fmt: skip

    pre_save.connect(before, sender=model)
    post_save.connect(after, sender=model)
    try:
        yield seen
    finally:
        pre_save.disconnect(before, sender=model)
        post_save.disconnect(after, sender=model)


def _of(seen: list[tuple[Any, ...]], obj: Model) -> list[tuple[Any, ...]]:
    """The signals about ``obj``, without the instance itself (so two rows can be compared)."""
    return [(s[0], s[1], *s[3:]) for s in seen if s[2] is obj]


# insert


def test_insert_sets_the_id_and_fills_defaults_as_save_does() -> None:
    """auto_now, auto_now_add and defaults are the instance's values and the stored ones."""
    before = timezone.now()
    deadline = _deadline()
    assert insert(deadline) is deadline
    saved = _deadline(owner_id="2")
    saved.save()

    assert type(deadline.pk) is int and deadline.pk != saved.pk
    assert (deadline._state.adding, deadline._state.db) == (False, "default")
    assert deadline.is_open is True and deadline.suspended_working_days == 0
    assert before <= deadline.opened_at <= timezone.now()
    assert before <= deadline.updated_at <= timezone.now()
    assert timezone.is_aware(deadline.opened_at)
    assert _stored(deadline) == _fields(deadline)
    in_memory = _fields(deadline)
    deadline.refresh_from_db()
    assert _fields(deadline) == in_memory
    # The same columns are filled as by save(): only the ids and the owner differ.
    differ = {k for k in in_memory if in_memory[k] != _fields(saved)[k]}
    assert differ <= {"id", "owner_id", "opened_at", "updated_at"}
    assert {k for k, v in _fields(saved).items() if v is None} == {
        k for k, v in in_memory.items() if v is None
    }


def test_a_foreign_key_is_given_as_an_object_or_as_its_id() -> None:
    alice, bob = _account("alice"), _account("bob")
    by_object = insert(_message(alice))
    by_id = insert(Message(recipient_id=bob.pk, subject="通知"))

    assert _stored(by_object)["recipient_id"] == alice.pk
    assert _stored(by_id)["recipient_id"] == bob.pk
    assert by_object.recipient is alice  # the cached object is kept
    assert _stored(by_object) == _fields(by_object)
    assert _stored(by_id) == _fields(by_id)
    assert timezone.is_aware(by_object.created_at)


def test_an_unsaved_related_object_is_refused_as_save_refuses_it() -> None:
    ghost = Account(username="ghost", display_name="ghost", kind=Account.Kind.CITIZEN)
    with pytest.raises(ValueError) as by_save:
        _message(ghost).save()
    with pytest.raises(ValueError) as by_insert:
        insert(_message(ghost))
    assert str(by_insert.value) == str(by_save.value)
    assert "unsaved related object 'recipient'" in str(by_insert.value)
    # One bad row in a batch stops the batch before anything is written.
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_all([_message(_account("alice")), _message(ghost)])
    assert not Message.objects.exists()


def test_insert_all_stores_every_row_with_distinct_ids_in_order() -> None:
    alice, bob = _account("alice"), _account("bob")
    messages = [_message(alice, "一"), _message(bob, "二"), _message(alice, "三")]
    returned = insert_all(messages)
    assert all(a is b for a, b in zip(returned, messages, strict=True))

    ids = [m.pk for m in messages]
    assert all(type(pk) is int for pk in ids)
    assert ids == sorted(set(ids))
    assert [_stored(m) for m in messages] == [_fields(m) for m in messages]
    assert [m.subject for m in Message.objects.order_by("pk")] == ["一", "二", "三"]
    assert all(not m._state.adding for m in messages)


def test_insert_all_of_many_rows_gives_each_its_own_id(django_assert_max_num_queries: Any) -> None:
    """More rows than one statement may bind (SQLite: 999 parameters) go in several."""
    regions = [Region(code=f"{n:06d}", name=f"区{n}", level=3) for n in range(1, 451)]
    with django_assert_max_num_queries(3):
        insert_all(regions)
    ids = [r.pk for r in regions]
    assert ids == sorted(set(ids))
    assert dict(Region.objects.values_list("code", "pk")) == {r.code: r.pk for r in regions}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite uses lastrowid")
def test_without_returning_each_row_gets_its_id_from_lastrowid(monkeypatch: Any) -> None:
    """SQLite before 3.35 cannot RETURNING: one row per statement, its id from lastrowid."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    monkeypatch.setattr(rows, "_inserts", {})
    regions = [Region(code=f"{n:06d}", name=f"区{n}", level=3) for n in range(1, 4)]
    insert_all(regions)
    assert "RETURNING" not in rows._inserts[(Region, "sqlite")].returning
    assert dict(Region.objects.values_list("code", "pk")) == {r.code: r.pk for r in regions}
    assert len({r.pk for r in regions}) == 3


def test_insert_all_of_nothing_does_nothing(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert insert_all([]) == []


def test_insert_all_refuses_rows_of_different_models(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0), pytest.raises(TypeError, match="one model"):
        insert_all([_deadline(), Region(code="110000", name="x", level=1)])
    assert not Deadline.objects.exists()


def test_pre_save_and_post_save_are_sent_for_each_row_as_save_sends_them() -> None:
    reference = _deadline(owner_id="0")
    with _signals(Deadline) as by_save:
        reference.save()
    first, second = _deadline(owner_id="1"), _deadline(owner_id="2")
    with _signals(Deadline) as seen:
        insert_all([first, second])
    single = _deadline(owner_id="3")
    with _signals(Deadline) as seen_single:
        insert(single)

    def expected(obj: Deadline) -> list[tuple[Any, ...]]:
        return [("pre_save", Deadline, None, True, None, False, "default", None),
                ("post_save", Deadline, obj.pk, False, True, False, "default", None)]  # fmt: skip

    assert _of(by_save, reference) == expected(reference)  # what save() sends
    assert _of(seen, first) == expected(first)
    assert _of(seen, second) == expected(second)
    assert _of(seen_single, single) == expected(single)
    assert len(seen) == 4 and len(seen_single) == 2


# What goes through save()


def test_a_model_with_its_own_save_goes_through_it() -> None:
    """AuditEntry.save() refuses rows not appended by the chain; the shortcut must not bypass it."""
    entry = AuditEntry(seq=10**9, occurred_at=timezone.now(), action="tests.forged",
                       prev_hash="0" * 64, entry_hash="1" * 64)  # fmt: skip
    with pytest.raises(AppendOnlyError, match="audit_record"):
        insert(entry)
    with pytest.raises(AppendOnlyError, match="audit_record"):
        insert_all([entry])
    assert not AuditEntry.objects.filter(action="tests.forged").exists()

    entry.pk, entry._state.adding = 10**9, False
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        update(entry, ["reason"])


def test_a_model_with_its_own_save_is_signalled_once() -> None:
    account = Account(username="carol", display_name="carol", kind=Account.Kind.CITIZEN)
    with _signals(Account) as seen:
        insert(account)
    assert account.pk is not None and not account._state.adding
    assert _stored(account)["username"] == "carol"
    assert [(s[0], s[3] is None, s[5]) for s in seen] == [
        ("pre_save", True, None),
        ("post_save", False, True),
    ]


def test_a_row_with_its_id_set_is_inserted_with_that_id_or_refused() -> None:
    """Like save(force_insert=True): never an UPDATE of the row already there."""
    given = Region(pk=987_654, code="110000", name="原名", level=1)
    with _signals(Region) as seen:
        insert(given)
    assert given.pk == 987_654
    assert _stored(given) == _fields(given)
    assert [(s[0], s[5]) for s in seen] == [("pre_save", None), ("post_save", True)]

    again = Region(pk=987_654, code="120000", name="新名", level=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(again)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_all([Region(code="130000", name="新", level=1), again])
    assert list(Region.objects.values_list("pk", "code", "name")) == [(987_654, "110000", "原名")]


def test_rows_with_and_without_ids_can_be_inserted_together() -> None:
    regions = [Region(code="110000", name="甲", level=1),
               Region(pk=987_654, code="120000", name="乙", level=1),
               Region(code="130000", name="丙", level=1)]  # fmt: skip
    assert insert_all(regions) == regions
    assert regions[1].pk == 987_654
    assert len({r.pk for r in regions}) == 3
    assert [_stored(r) for r in regions] == [_fields(r) for r in regions]


def test_an_expression_value_goes_through_save() -> None:
    region = Region(code="110000", name=Upper(Value("beijing")), level=1)
    insert(region)
    assert _stored(region)["name"] == "BEIJING"

    deadline = insert(_deadline(working_days=5))
    deadline.working_days = F("working_days") + 2
    deadline.label = "改"
    update(deadline, ["working_days"])
    assert _stored(deadline)["working_days"] == 7
    assert _stored(deadline)["label"] == "受理"  # not named


# update


def test_update_writes_only_the_named_fields() -> None:
    alice, bob = _account("alice"), _account("bob")
    message = insert(_message(alice, "原"))
    message.subject, message.body, message.recipient = "新", "改了但不存", bob
    update(message, ["subject", "recipient"])
    stored = _stored(message)
    assert (stored["subject"], stored["body"], stored["recipient_id"]) == ("新", "正文", bob.pk)

    message.recipient_id = alice.pk  # by the column's name too
    update(message, ["recipient_id"])
    assert _stored(message)["recipient_id"] == alice.pk
    assert _stored(message)["body"] == "正文"


def test_update_bumps_auto_now_only_when_named() -> None:
    deadline = insert(_deadline())
    old = datetime.datetime(2020, 1, 1, 8, tzinfo=datetime.UTC)
    Deadline.objects.filter(pk=deadline.pk).update(updated_at=old, opened_at=old)
    deadline.refresh_from_db()

    deadline.label = "补正"
    update(deadline, ["label"])
    assert (_stored(deadline)["label"], _stored(deadline)["updated_at"]) == ("补正", old)
    assert deadline.updated_at == old

    before = timezone.now()
    update(deadline, ["label", "updated_at", "opened_at"])
    stored = _stored(deadline)
    assert before <= stored["updated_at"] <= timezone.now()
    assert stored["updated_at"] == deadline.updated_at
    assert stored["opened_at"] == deadline.opened_at == old  # auto_now_add: only when added


def test_update_of_a_deleted_row_raises_database_error_as_save_does() -> None:
    deadline = insert(_deadline())
    Deadline.objects.filter(pk=deadline.pk).delete()
    # Both mark the block they fail in for rollback, hence a block of their own.
    with pytest.raises(DatabaseError, match="did not affect") as by_save, transaction.atomic():
        deadline.save(update_fields=["label"])
    with (
        _signals(Deadline) as seen,
        pytest.raises(DatabaseError) as by_update,
        transaction.atomic(),
    ):
        update(deadline, ["label"])
    assert str(by_update.value) == str(by_save.value)
    assert [s[0] for s in seen] == ["pre_save"]  # as save(): no post_save for a failed save
    assert not Deadline.objects.exists()


@pytest.mark.parametrize("name", ["permissions", "assignments", "id"])
def test_update_refuses_a_name_that_is_not_a_plain_column(name: str) -> None:
    """m2m and reverse relations are not columns; the id names the row, it is not set."""
    role = insert(Role(code="clerk", name="受理员"))
    role.name = "改"
    with pytest.raises(ValueError, match="not plain columns"):
        update(role, [name])
    assert _stored(role)["name"] == "受理员"


def test_an_unsaved_related_object_is_refused_on_update_as_save_refuses_it() -> None:
    message = insert(_message(_account("alice")))
    message.recipient = Account(username="ghost", display_name="ghost", kind="citizen")
    with pytest.raises(ValueError) as by_save:
        message.save(update_fields=["recipient"])
    with pytest.raises(ValueError) as by_update:
        update(message, ["recipient"])
    assert str(by_update.value) == str(by_save.value)
    assert _stored(message)["subject"] == "通知"


def test_update_sends_pre_save_and_post_save_as_save_does() -> None:
    reference = insert(_deadline(owner_id="0"))
    with _signals(Deadline) as by_save:
        reference.save(update_fields=["label", "working_days"])
    deadline = insert(_deadline(owner_id="1"))
    with _signals(Deadline) as seen:
        update(deadline, ["label", "working_days"])

    def expected(obj: Deadline) -> list[tuple[Any, ...]]:
        named = frozenset({"label", "working_days"})
        return [("pre_save", Deadline, obj.pk, False, None, False, "default", named),
                ("post_save", Deadline, obj.pk, False, False, False, "default", named)]  # fmt: skip

    assert _of(by_save, reference) == expected(reference)
    assert _of(seen, deadline) == expected(deadline)
    assert type(seen[1][-1]) is frozenset


def test_update_of_an_unsaved_row_goes_through_save() -> None:
    """Without an id there is no row to update: save(update_fields=…) refuses it."""
    with pytest.raises(ValueError, match="no primary key"):
        update(_deadline(), ["label"])


# Where save()'s behaviour must be matched exactly


def test_update_of_no_fields_does_nothing_as_save_does(django_assert_num_queries: Any) -> None:
    deadline = insert(_deadline())
    with django_assert_num_queries(0), _signals(Deadline) as seen:
        deadline.save(update_fields=[])
        update(deadline, [])
    assert seen == []


def test_update_of_an_unknown_name_raises_value_error_as_save_does() -> None:
    deadline = insert(_deadline())
    with pytest.raises(ValueError, match="do not exist"):
        deadline.save(update_fields=["nonexistent"])
    with pytest.raises(ValueError):
        update(deadline, ["nonexistent"])


def test_an_unsaved_related_object_is_refused_whatever_is_updated_as_save_does() -> None:
    message = insert(_message(_account("alice")))
    message.recipient = Account(username="ghost", display_name="ghost", kind="citizen")
    message.subject = "改"
    with pytest.raises(ValueError, match="unsaved related object"):
        message.save(update_fields=["subject"])
    with pytest.raises(ValueError, match="unsaved related object"):
        update(message, ["subject"])


def test_update_naming_a_field_twice_writes_it_once() -> None:
    deadline = insert(_deadline())
    deadline.label = "改"
    update(deadline, ["label", "label"])
    assert _stored(deadline)["label"] == "改"


def test_a_failed_insert_marks_the_atomic_block_for_rollback_as_save_does() -> None:
    insert(Role(code="clerk", name="受理员"))
    marked = {}
    for how in ("save", "insert"):
        with transaction.atomic():
            with pytest.raises(IntegrityError):
                duplicate = Role(code="clerk", name="重复")
                duplicate.save() if how == "save" else insert(duplicate)
            marked[how] = connection.needs_rollback
            transaction.set_rollback(True)  # leave the block cleanly either way
    assert marked == {"save": True, "insert": True}


@pytest.mark.django_db(transaction=True)
def test_insert_all_stores_all_rows_or_none_outside_a_transaction() -> None:
    def batch() -> list[Region]:
        regions = [Region(code=f"{n:06d}", name="区", level=3) for n in range(1, 451)]
        return [*regions, Region(code="000001", name="重复", level=3)]

    with pytest.raises(IntegrityError):
        Region.objects.bulk_create(batch())
    assert Region.objects.count() == 0
    with pytest.raises(IntegrityError):
        insert_all(batch())
    assert Region.objects.count() == 0
