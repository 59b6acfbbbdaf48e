import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from zhengwu.identifiers.actions import case_number_next, number_next
from zhengwu.identifiers.models import NumberSequence
from zhengwu.identifiers.numbers import format_case_number, format_document_number


def issue(register: str, year: int) -> int:
    with transaction.atomic():
        return number_next(register=register, year=year)


@pytest.mark.django_db
def test_numbers_count_up_per_register_and_restart_each_year() -> None:
    assert [issue("eservices.application", 2026) for _ in range(3)] == [1, 2, 3]
    assert issue("documents.outgoing:云政办发", 2026) == 1
    assert issue("eservices.application", 2027) == 1
    assert issue("eservices.application", 2026) == 4
    assert NumberSequence.objects.get(register="eservices.application", year=2026).last_value == 4


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back() -> None:
    assert issue("r", 2026) == 1
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        assert number_next(register="r", year=2026) == 2
        raise RuntimeError("boom")
    assert issue("r", 2026) == 2


@pytest.mark.django_db(transaction=True)
def test_issuing_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        number_next(register="r", year=2026)
    assert not NumberSequence.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("register", "year"), [("", 2026), ("   ", 2026), ("x" * 101, 2026), ("r", 1899)]
)
def test_bad_register_or_year_is_refused(register: str, year: int) -> None:
    with pytest.raises(ValueError):
        issue(register, year)


def test_case_numbers_are_region_date_and_padded_sequence() -> None:
    assert format_case_number("990100", dt.date(2026, 3, 15), 123) == "99010020260315000123"
    with pytest.raises(ValueError):
        format_case_number("990100", dt.date(2026, 3, 15), 1_000_000)
    with pytest.raises(ValueError):
        format_case_number("9901", dt.date(2026, 3, 15), 1)


@pytest.mark.django_db
def test_case_number_next_uses_the_year_of_the_date() -> None:
    with transaction.atomic():
        first = case_number_next(register="a", region_code="990100", on=dt.date(2026, 12, 31))
        second = case_number_next(register="a", region_code="990100", on=dt.date(2027, 1, 1))
    assert first == "99010020261231000001"
    assert second == "99010020270101000001"


def test_document_numbers_follow_gb_t_9704() -> None:
    assert format_document_number("云政办发", 2026, 12) == "云政办发〔2026〕12号"
    assert format_document_number(" 云政发 ", 2026, 1) == "云政发〔2026〕1号"
    with pytest.raises(ValueError):
        format_document_number("云政发", 2026, 0)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real row locks and concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_get_the_same_number_and_none_is_skipped() -> None:
    workers, per_worker = 8, 10
    issued: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_worker):
                number = issue("concurrent", 2026)  # the first calls race to create the row
                with lock:
                    issued.append(number)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads: list[Any] = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(issued) == list(range(1, workers * per_worker + 1))
