from typing import Any

import pytest
from django import forms
from django.utils.datastructures import MultiValueDict

from zhengwu.files.forms import StoredFileField, file_store_from_form
from zhengwu.files.models import StoredFile
from zhengwu.files.tests import samples

pytestmark = pytest.mark.django_db


class PhotoForm(forms.Form):
    photo = StoredFileField(preset="images")
    remark = forms.CharField(required=False)


class MaterialForm(forms.Form):
    material = StoredFileField(required=False)


def bound(form_class: type[forms.Form], **files: Any) -> forms.Form:
    return form_class(data={}, files=MultiValueDict({k: [v] for k, v in files.items()}))


def test_the_form_accepts_a_png_and_the_helper_stores_it(django_user_model: Any) -> None:
    account = django_user_model.objects.create_user(
        "u1", "Xx-12345678", display_name="甲", kind="citizen"
    )
    form = bound(PhotoForm, photo=samples.upload("头像.png", samples.png(), "image/png"))
    assert form.is_valid(), form.errors
    stored = file_store_from_form(form, "photo", actor=account, purpose="avatar")
    assert stored is not None
    assert stored.content_type == "image/png"
    assert stored.original_name == "头像.png"


def test_the_form_refuses_a_disguised_executable_with_the_chinese_message() -> None:
    form = bound(PhotoForm, photo=samples.upload("头像.png", samples.WINDOWS_EXE, "image/png"))
    assert not form.is_valid()
    assert "可执行程序" in form.errors["photo"][0]
    assert "PNG" in form.errors["photo"][0]
    assert not StoredFile.objects.exists()


def test_the_form_refuses_an_empty_file() -> None:
    form = bound(PhotoForm, photo=samples.upload("头像.png", b"", "image/png"))
    assert not form.is_valid()
    assert "空" in form.errors["photo"][0]


def test_the_form_refuses_an_oversized_file(settings: Any) -> None:
    settings.ZHENGWU_UPLOAD_MAX_BYTES = 50
    form = bound(PhotoForm, photo=samples.upload("头像.png", samples.png(), "image/png"))
    assert not form.is_valid()
    assert "50" in form.errors["photo"][0]


def test_a_required_upload_is_required_and_an_optional_one_stores_nothing() -> None:
    assert "photo" in bound(PhotoForm).errors
    form = bound(MaterialForm)
    assert form.is_valid()
    assert file_store_from_form(form, "material", actor=None, purpose="x") is None


def test_the_widget_hints_the_accepted_types() -> None:
    html = str(PhotoForm()["photo"])
    assert 'accept="' in html
    assert ".png" in html
    assert ".pdf" not in html


def test_a_refusal_at_store_time_becomes_a_form_error(settings: Any) -> None:
    form = bound(MaterialForm, material=samples.upload("a.pdf", samples.MINIMAL_PDF))
    assert form.is_valid()
    settings.ZHENGWU_UPLOAD_MAX_BYTES = 10  # the limit changed between validation and storing
    assert file_store_from_form(form, "material", actor=None, purpose="x") is None
    assert "10" in form.errors["material"][0]
    assert not StoredFile.objects.exists()
