"""等保 2.0 level 3 password rules, through validate_password (every path that sets one)."""

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from zhengwu.directory.models import Account
from zhengwu.identity.passwords import character_classes


def _errors(password: str, user: Any = None) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user=user)
    return " ".join(exc.value.messages)


def test_a_short_password_is_refused_in_chinese() -> None:
    assert "密码长度至少为 8 个字符" in _errors("Ab1#xyz")


def test_a_password_of_two_character_classes_is_refused() -> None:
    message = _errors("yunzeshi2024")
    assert "大写字母、小写字母、数字、特殊符号中的 3 类" in message
    assert "当前只有 2 类" in message


@pytest.mark.django_db
def test_a_password_equal_to_the_user_name_is_refused() -> None:
    user = Account(username="Zhang#Wei2024", display_name="张伟", kind=Account.Kind.CITIZEN)
    assert "不能与用户名相同" in _errors("Zhang#Wei2024", user)


@pytest.mark.django_db
def test_a_password_containing_the_user_name_in_another_case_is_refused() -> None:
    user = Account(username="zhangwei", display_name="张伟", kind=Account.Kind.CITIZEN)
    assert "不能与用户名相同，也不能包含用户名" in _errors("ZhangWei#2024", user)


@pytest.mark.django_db
def test_a_good_password_passes_every_rule() -> None:
    user = Account(username="zhangwei", display_name="张伟", kind=Account.Kind.CITIZEN)
    validate_password("Yunze#2024", user=user)  # upper, lower, digit, symbol
    validate_password("yunze-city-7", user=user)  # lower, digit, symbol: three classes suffice


def test_common_passwords_are_refused_even_with_three_classes() -> None:
    assert _errors("Password1")  # Django's list of 20,000 common passwords


def test_character_classes_count_chinese_characters_as_symbols_and_ignore_spaces() -> None:
    assert character_classes("Ab1 ") == {"upper", "lower", "digit"}
    assert character_classes("云泽abc1") == {"symbol", "lower", "digit"}
