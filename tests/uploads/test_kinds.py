from __future__ import annotations

import pytest

from csdp.uploads.kinds import MB, all_kinds, get_kind, register_kind


def test_the_contract_kinds_take_the_agreed_types():
    codes = ("scan", "archive_or_pdf", "spreadsheet", "result", "data")
    assert {k.code: set(k.types) for k in all_kinds() if k.code in codes} == {
        "scan": {"pdf", "png", "jpeg"},
        "archive_or_pdf": {"zip", "pdf"},
        "spreadsheet": {"xlsx"},
        "result": {"pdf", "xlsx"},
        "data": {"csv", "txt"},
    }


def test_each_kind_has_its_limit_capped_by_the_global_setting(settings):
    settings.CSDP_UPLOAD_MAX_BYTES = 50 * MB
    assert [get_kind(c).limit_bytes for c in ("scan", "archive_or_pdf", "spreadsheet", "result", "data")] == [
        10 * MB,
        50 * MB,
        20 * MB,
        50 * MB,
        50 * MB,
    ]
    settings.CSDP_UPLOAD_MAX_BYTES = 5 * MB
    assert get_kind("archive_or_pdf").limit_bytes == 5 * MB


def test_an_app_can_register_its_own_kind_once():
    kind = register_kind(code="test_photo", label="照片", types={"png", "jpeg"}, max_bytes=2 * MB)

    assert get_kind("test_photo") is kind
    assert register_kind(code="test_photo", label="照片", types={"jpeg", "png"}, max_bytes=2 * MB) == kind
    with pytest.raises(ValueError, match="already registered"):
        register_kind(code="test_photo", label="照片", types={"pdf"}, max_bytes=2 * MB)


def test_a_kind_must_name_known_types():
    with pytest.raises(ValueError, match="unknown or no detected types"):
        register_kind(code="test_video", label="视频", types={"mp4"})
