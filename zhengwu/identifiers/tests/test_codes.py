import random

import pytest
from django.core.exceptions import ValidationError

from zhengwu.identifiers import checksums
from zhengwu.identifiers.checksums import CREDIT_CODE_ALPHABET, IdentifierError
from zhengwu.identifiers.forms import CreditCodeField, OrganisationCodeField
from zhengwu.identifiers.validators import validate_credit_code, validate_organisation_code


def refusal(field: object, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        field.clean(value)  # type: ignore[attr-defined]
    return caught.value


def test_the_reference_credit_code_is_valid() -> None:
    assert CreditCodeField().clean("91350200776049653A") == "91350200776049653A"
    assert CreditCodeField().clean(" 9135 0200 7760 4965 3a ") == "91350200776049653A"
    validate_credit_code("91350200776049653A")


def test_a_credit_code_with_a_changed_last_character_is_refused() -> None:
    error = refusal(CreditCodeField(), "91350200776049653B")
    assert error.code == "check_digit"
    assert "A" in error.messages[0]
    assert "校验码" in error.messages[0]


@pytest.mark.parametrize(
    "value", ["91350200776049653I", "9135020077604965OA", "91350200I76049653A"]
)
def test_a_credit_code_with_letters_i_or_o_is_refused(value: str) -> None:
    error = refusal(CreditCodeField(), value)
    assert error.code == "characters"
    assert "I" in error.messages[0]


def test_a_credit_code_with_letters_in_the_region_part_is_refused() -> None:
    assert refusal(CreditCodeField(), "9135A200776049653A").code == "characters"


def test_a_credit_code_whose_embedded_organisation_code_is_wrong_is_refused() -> None:
    # Character 17 changed from 3 to 4 and character 18 recomputed: only the inner check fails.
    first17 = "9135020077604965" + "4"
    value = first17 + checksums.credit_code_check_char(first17)
    error = refusal(CreditCodeField(), value)
    assert error.code == "embedded_check"
    assert "3" in error.messages[0]


def test_a_credit_code_of_the_wrong_length_is_refused() -> None:
    error = refusal(CreditCodeField(), "91350200776049653")
    assert error.code == "length"
    assert "17" in error.messages[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("D2143569-X", "D2143569-X"), ("77604965-3", "77604965-3"), ("d2143569x", "D2143569-X"),
     ("776049653", "77604965-3")],
)  # fmt: skip
def test_reference_organisation_codes_are_valid(value: str, expected: str) -> None:
    assert OrganisationCodeField().clean(value) == expected
    validate_organisation_code(value)


def test_an_organisation_code_with_a_wrong_check_is_refused() -> None:
    error = refusal(OrganisationCodeField(), "D2143569-1")
    assert error.code == "check_digit"
    assert "X" in error.messages[0]


def test_an_organisation_code_of_the_wrong_length_is_refused() -> None:
    assert refusal(OrganisationCodeField(), "D214356-X").code == "length"


def test_generated_organisation_codes_validate() -> None:
    assert checksums.generate_organisation_code("D2143569") == "D2143569-X"
    rng = random.Random(11714)
    alphabet = checksums.ORGANISATION_CODE_ALPHABET
    for _ in range(2000):
        body = "".join(rng.choice(alphabet) for _ in range(8))
        code = checksums.generate_organisation_code(body)
        assert OrganisationCodeField().clean(code) == code


def test_generated_credit_codes_validate_and_embed_their_organisation_code() -> None:
    assert checksums.generate_credit_code("9", "1", "350200", "77604965") == "91350200776049653A"
    rng = random.Random(32100)
    for _ in range(2000):
        department, category = rng.choice(
            [("9", "1"), ("9", "2"), ("1", "1"), ("5", "1"), ("Y", "1")]
        )
        region = rng.choice(["990100", "990102", "990121"])
        body = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(8))
        code = checksums.generate_credit_code(department, category, region, body)
        assert CreditCodeField().clean(code) == code
        assert OrganisationCodeField().clean(code[8:17]) == f"{code[8:16]}-{code[16]}"


def test_credit_code_generation_refuses_letters_the_alphabet_lacks() -> None:
    with pytest.raises(IdentifierError):
        checksums.generate_credit_code("9", "1", "990100", "7760496O")
    with pytest.raises(IdentifierError):
        checksums.generate_credit_code("S", "1", "990100", "77604965")
    with pytest.raises(IdentifierError):
        checksums.generate_credit_code("9", "1", "99010", "77604965")
