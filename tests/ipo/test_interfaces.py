from pathlib import Path

from csdp.ipo.interfaces import interfaces_markdown


def test_docs_interfaces_is_exactly_what_the_code_defines():
    committed = (Path(__file__).resolve().parents[2] / "docs" / "interfaces.md").read_text(encoding="utf-8")
    assert committed == interfaces_markdown() + "\n", "run `csdp ipo interfaces` and commit docs/interfaces.md"


def test_every_participant_file_field_name_fits_dbase():
    from csdp.ipo.eod.layouts import LAYOUTS

    assert all(len(f.name) <= 10 for layout in LAYOUTS.values() for f in layout.fields)
