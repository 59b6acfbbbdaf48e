import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError

from zhengwu.identifiers import checksums
from zhengwu.identifiers.checksums import IdentifierError
from zhengwu.identifiers.forms import ResidentIdField
from zhengwu.identifiers.validators import validate_resident_id


def refusal(value: str, field: ResidentIdField | None = None) -> str:
    with pytest.raises(ValidationError) as caught:
        (field or ResidentIdField()).clean(value)
    return " ".join(caught.value.messages)


def test_the_standards_example_is_valid_and_parsed() -> None:
    assert checksums.parse_resident_id("11010519491231002X") == (
        "110105",
        dt.date(1949, 12, 31),
        "F",
    )
    validate_resident_id("11010519491231002X")
    assert ResidentIdField().clean("11010519491231002X") == "11010519491231002X"


def test_a_wrong_check_digit_is_refused_naming_the_expected_one() -> None:
    message = refusal("110105194912310021")
    assert "校验码" in message
    assert "X" in message
    assert "1" in message


def test_the_model_validator_refuses_with_the_same_message() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_resident_id("110105194912310021")
    assert caught.value.code == "check_digit"
    assert "X" in caught.value.messages[0]


def test_an_impossible_birth_date_is_refused() -> None:
    # 1949-02-31 does not exist; fix the check digit so only the date is wrong.
    first17 = "11010519490231002"
    message = refusal(first17 + checksums.resident_id_check_char(first17))
    assert "19490231" in message
    assert "出生日期" in message


def test_a_birth_date_in_the_future_is_refused() -> None:
    year = dt.date.today().year + 1
    first17 = f"110105{year}0101002"
    assert "出生日期" in refusal(first17 + checksums.resident_id_check_char(first17))


@pytest.mark.parametrize("value", ["1101051949123100", "11010519491231002X1", "1"])
def test_a_wrong_length_is_refused_with_the_count(value: str) -> None:
    message = refusal(value)
    assert "18" in message
    assert str(len(value)) in message


def test_letters_in_the_body_are_refused() -> None:
    assert "X" in refusal("1101051949123100AX")


def test_lower_case_x_spaces_and_hyphens_are_accepted_and_normalised() -> None:
    field = ResidentIdField()
    assert field.clean(" 11010519491231002x ") == "11010519491231002X"
    assert field.clean("110105 19491231 002x") == "11010519491231002X"
    assert field.clean("110105-19491231-002X") == "11010519491231002X"
    # Full-width digits from a Chinese input method.
    assert field.clean("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_an_empty_optional_field_stays_empty_and_a_required_one_is_refused() -> None:
    assert ResidentIdField(required=False).clean("") == ""
    with pytest.raises(ValidationError):
        ResidentIdField().clean("   ")


def test_injection_strings_are_refused_not_echoed_as_markup() -> None:
    message = refusal("<script>alert(1)</script>")
    assert "<script>" not in message


def test_a_legacy_15_digit_number_is_upgraded() -> None:
    # 110105491231002 is the 15-digit form of the standard's example.
    assert checksums.upgrade_resident_id_15("110105491231002") == "11010519491231002X"
    assert ResidentIdField(accept_legacy=True).clean("110105491231002") == "11010519491231002X"
    # Without the option a 15-digit number is simply the wrong length.
    assert "18" in refusal("110105491231002")


def test_a_legacy_number_with_an_impossible_date_is_refused() -> None:
    with pytest.raises(IdentifierError) as caught:
        checksums.upgrade_resident_id_15("110105490231002")
    assert caught.value.reason == "birth_date"
    assert "19490231" in refusal("110105490231002", ResidentIdField(accept_legacy=True))


def test_generated_numbers_validate_and_carry_sex_and_birth_date() -> None:
    rng = random.Random(20260315)
    for _ in range(2000):
        region = rng.choice(["990100", "990102", "990121", "110105"])
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 90))
        sequence = rng.randint(1, 999)
        value = checksums.generate_resident_id(region, birth, sequence)
        assert ResidentIdField().clean(value) == value
        assert checksums.parse_resident_id(value) == (
            region,
            birth,
            "M" if sequence % 2 else "F",
        )


@pytest.mark.parametrize(
    ("region", "sequence", "reason"),
    [("99010", 1, "region_code"), ("99010A", 1, "region_code"), ("990100", 0, "sequence"),
     ("990100", 1000, "sequence")],
)  # fmt: skip
def test_generation_refuses_bad_parts(region: str, sequence: int, reason: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        checksums.generate_resident_id(region, dt.date(1980, 1, 1), sequence)
    assert caught.value.reason == reason
