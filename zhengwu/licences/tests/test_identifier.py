"""电子证照标识 (GB/T 36904): the check character against the worked examples of
cn-standards.md §8.1."""

import pytest

from zhengwu.licences.identifier import build, check_char, is_valid

EXAMPLES = [
    "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize("identifier", EXAMPLES)
def test_worked_examples_are_valid(identifier: str) -> None:
    assert is_valid(identifier)
    root_type_issuer_serial_version, _dot, check = identifier.rpartition(".")
    tail = root_type_issuer_serial_version.removeprefix("1.2.156.3005.2.")
    assert check_char(tail) == check


@pytest.mark.parametrize("identifier", EXAMPLES)
def test_any_other_check_character_is_refused(identifier: str) -> None:
    body, _dot, check = identifier.rpartition(".")
    for other in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if other != check:
            assert not is_valid(f"{body}.{other}")


def test_a_changed_character_is_caught() -> None:
    assert not is_valid(EXAMPLES[0].replace("2430599", "2430598"))
    assert not is_valid(EXAMPLES[0].replace("1.2.156.3005.2", "1.2.156.3005.3"))
    assert not is_valid("nonsense")


def test_build_reproduces_the_worked_example() -> None:
    assert build(type_code="11100000000013338W032", issuer_code="11220000013544541J",
                 serial="2430599", version=1) == EXAMPLES[0]  # fmt: skip


def test_build_refuses_lower_case_and_dots() -> None:
    with pytest.raises(ValueError):
        build(type_code="11100000000013338w032", issuer_code="X", serial="1")
    with pytest.raises(ValueError):
        build(type_code="1.1", issuer_code="X", serial="1")
