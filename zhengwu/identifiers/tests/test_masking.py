"""The platform's one masking implementation (directory, notify and audit call it)."""

from zhengwu.identifiers import masking


def test_resident_id_keeps_region_and_last_four() -> None:
    assert masking.mask_resident_id("11010519491231002x") == "110105********002X"
    assert masking.mask_resident_id("110105 19491231 002X") == "110105********002X"
    assert masking.mask_resident_id("") == ""
    assert masking.mask_resident_id(None) == ""
    assert masking.mask_resident_id("12345") == "*****"


def test_credit_code_keeps_category_and_region() -> None:
    assert masking.mask_credit_code("91990100MA1234567X") == "91990100********7X"
    assert masking.mask_credit_code(None) == ""


def test_mobile_keeps_prefix_and_last_four() -> None:
    assert masking.mask_mobile("13912345678") == "139****5678"
    assert masking.mask_mobile(" 13912345678 ") == "139****5678"
    assert masking.mask_mobile("12345") == "*****"
    assert masking.mask_mobile("") == "" and masking.mask_mobile(None) == ""


def test_email_keeps_first_letter_and_domain() -> None:
    assert masking.mask_email("zhangsan@example.com") == "z***@example.com"
    assert masking.mask_email("13912345678") == "139****5678"
    assert masking.mask_address("zhangsan@example.com") == "z***@example.com"
    assert masking.mask_address("13912345678") == "139****5678"
    assert masking.mask_address("") == "" and masking.mask_address("12") == "**"
