"""The chain: what audit_record writes, and what audit_verify finds after tampering."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from zhengwu.audit.actions import audit_record
from zhengwu.audit.chain import GENESIS_HASH
from zhengwu.audit.models import AppendOnlyError, AuditChainHead, AuditEntry

TABLE = connection.ops.quote_name(AuditEntry._meta.db_table)
HEAD_TABLE = connection.ops.quote_name(AuditChainHead._meta.db_table)


def record(n: int, **kwargs: Any) -> list[AuditEntry]:
    return [
        audit_record(
            actor=kwargs.get("actor"),
            action="test.thing.update",
            object_type="test.thing",
            object_id=str(i),
            object_repr=f"事物{i}",
            changes={"name": [f"旧{i}", f"新{i}"]},
            reason="测试",
        )
        for i in range(1, n + 1)
    ]


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_entries_get_consecutive_seq_and_link_to_the_previous_hash() -> None:
    first, second, third = record(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (3, third.entry_hash)


@pytest.mark.django_db
def test_the_head_row_exists_before_anything_is_recorded() -> None:
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (0, GENESIS_HASH)


@pytest.mark.django_db
def test_verify_passes_on_an_intact_chain_in_small_batches() -> None:
    record(5)
    code, out, _err = verify("--batch-size", "2")
    assert code == 0
    assert "审计记录完整" in out
    assert "共5条" in out


@pytest.mark.django_db
def test_verify_passes_on_an_empty_trail() -> None:
    code, out, _err = verify()
    assert code == 0
    assert "共0条" in out


@pytest.mark.django_db
def test_a_row_altered_with_sql_is_named() -> None:
    entries = record(4)
    sql(f"UPDATE {TABLE} SET reason = %s WHERE seq = 2", ["改过的理由"])  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "序号2" in err
    assert f"记录ID {entries[1].pk}" in err
    assert "篡改" in err


@pytest.mark.django_db
def test_a_rewritten_and_rehashed_row_is_caught_at_the_next_link() -> None:
    record(4)
    sql(f"UPDATE {TABLE} SET entry_hash = %s WHERE seq = 2", ["f" * 64])  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "序号2" in err  # its own hash no longer matches its content


@pytest.mark.django_db
def test_a_deleted_middle_row_is_named() -> None:
    entries = record(5)
    sql(f"DELETE FROM {TABLE} WHERE seq = 3")  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "缺失" in err
    assert "序号4" in err and f"记录ID {entries[3].pk}" in err  # the row after the gap
    assert "3至3" in err


@pytest.mark.django_db
def test_deleting_the_last_rows_is_detected_through_the_head() -> None:
    record(5)
    sql(f"DELETE FROM {TABLE} WHERE seq >= 4")  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "缺失" in err
    assert "4至5" in err


@pytest.mark.django_db
def test_deleting_the_first_row_is_detected() -> None:
    record(3)
    sql(f"DELETE FROM {TABLE} WHERE seq = 1")  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "缺失" in err and "序号2" in err


@pytest.mark.django_db
def test_swapping_two_rows_is_reported_as_reordered() -> None:
    record(4)
    sql(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 2")  # noqa: S608
    sql(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 3")  # noqa: S608
    sql(f"UPDATE {TABLE} SET seq = 3 WHERE seq = -1")  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "序号2" in err
    assert "顺序错乱" in err


@pytest.mark.django_db
def test_a_deleted_head_row_is_reported_and_blocks_new_entries() -> None:
    record(2)
    sql(f"DELETE FROM {HEAD_TABLE}")  # noqa: S608
    code, _out, err = verify()
    assert code == 1
    assert "链头" in err
    with pytest.raises(AppendOnlyError):
        record(1)


@pytest.mark.django_db
def test_an_anchor_recorded_earlier_must_still_match() -> None:
    entries = record(3)
    assert verify("--anchor", f"2:{entries[1].entry_hash}")[0] == 0
    code, _out, err = verify("--anchor", f"2:{'a' * 64}")
    assert code == 1
    assert "序号2" in err


@pytest.mark.django_db
def test_odd_values_are_stored_exactly_as_hashed() -> None:
    # Dates, decimals, huge and non-finite floats, NUL characters: the row read back from the
    # database (jsonb on PostgreSQL) must still verify.
    audit_record(
        actor=None,
        action="test.thing.update",
        object_repr="NUL\x00名称",
        changes={"when": [date(2026, 1, 1), None], "amount": [Decimal("1.10"), 2.5],
                 "big": [1e20, 1.0], "odd": [float("nan"), "\x00"], "set": {3, 1}},
        reason="理由\x00",
    )  # fmt: skip
    assert verify()[0] == 0
    entry = AuditEntry.objects.get()
    assert entry.changes["when"] == ["2026-01-01", None]
    assert "\x00" not in entry.reason


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_models() -> None:
    entry = record(1)[0]
    entry.reason = "改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="改")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.create(seq=99, occurred_at=entry.occurred_at, action="x.y.z")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(seq=100, occurred_at=entry.occurred_at)])
    assert AuditEntry.objects.get().reason == "测试"
    assert verify()[0] == 0


@pytest.mark.django_db
def test_action_names_must_follow_module_entity_verb() -> None:
    with pytest.raises(ValueError, match=r"module\.entity\.verb"):
        audit_record(actor=None, action="delete everything")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_appends_its_entries_at_commit_and_drops_rolled_back_ones() -> None:
    from django.db import transaction

    with transaction.atomic():
        kept = record(2)
        assert kept[0].seq is None  # not written yet: appended just before the commit
        assert not AuditEntry.objects.exists()
        try:
            with transaction.atomic():
                record(3)
                raise RuntimeError
        except RuntimeError:
            pass
    assert [e.seq for e in kept] == [1, 2]
    assert list(AuditEntry.objects.order_by("seq").values_list("pk", flat=True)) == [
        e.pk for e in kept
    ]
    assert AuditChainHead.objects.get(pk=1).last_seq == 2
    assert verify()[0] == 0
