from __future__ import annotations

from django import forms

from csdp.uploads.forms import UploadField, clean_upload
from csdp.uploads.models import StoredFile
from tests.uploads.conftest import files_under
from tests.uploads.makers import mz_executable, pdf_bytes, upload


class MaterialsForm(forms.Form):
    licence = UploadField(kind="scan", label="营业执照")


def test_the_field_shows_the_services_chinese_message_and_keeps_nothing(db, storage):
    form = MaterialsForm(data={}, files={"licence": upload("执照.pdf", mz_executable())})

    assert not form.is_valid()
    assert form.errors["licence"] == ["该文件是可执行程序或脚本，不允许上传。"]
    assert files_under(storage) == [] and StoredFile.objects.count() == 0


def test_the_field_passes_a_good_file_through_unstored(db, storage):
    form = MaterialsForm(data={}, files={"licence": upload("执照.pdf", pdf_bytes())})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["licence"].name == "执照.pdf"
    assert files_under(storage) == []


def test_the_field_hints_the_accepted_extensions_to_the_browser():
    assert 'accept=".jpeg,.jpg,.pdf,.png"' in str(MaterialsForm()["licence"])


def test_clean_upload_stores_or_raises_a_validation_error(cast):
    stored = clean_upload(
        upload("执照.pdf", pdf_bytes()), kind="scan", owner=cast.issuer_a.institution, actor=cast.issuer_a
    )
    assert stored.owner_institution == cast.issuer_a.institution

    try:
        clean_upload(upload("执照.pdf", b"MZ"), kind="scan")
    except forms.ValidationError as exc:
        assert exc.messages == ["该文件是可执行程序或脚本，不允许上传。"]
    else:
        raise AssertionError("a rejected upload did not raise ValidationError")
