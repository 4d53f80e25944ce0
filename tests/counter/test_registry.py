"""A business type plugs in with its own filers, form, validation, results and on-finished action,
without touching the engine; a catalogue row without a spec is a plain attachment-only type."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from csdp.counter import handling, registry, selectors
from csdp.counter.catalogue import catalogue_sync
from csdp.counter.models import BusinessType
from csdp.counter.registry import BusinessTypeSpec, GeneratedFile, register_business_type
from csdp.counter.services import CounterError, application_confirm_results, application_draft
from csdp.counter.states import Status
from tests.counter.factories import pdf_upload, sign_and_submit

FINISHED = []


class GreenshoeForm(forms.Form):
    quantity_shares = forms.IntegerField(min_value=1)


def _validate(context):
    if context.data["quantity_shares"] > 1_000_000:
        raise ValidationError("超额配售数量不能超过发行数量的 15%。")


def _results(application):
    yield GeneratedFile(name="结果.pdf", content=pdf_upload().read())


SPEC = BusinessTypeSpec(
    code="91",
    name="测试超额配售登记",
    filer_kinds={"issuer", "underwriter"},
    form_class=GreenshoeForm,
    validate=_validate,
    result_builder=_results,
    on_finished=lambda application: FINISHED.append(application.pk),
)


@pytest.fixture
def greenshoe(db):
    register_business_type(SPEC)
    catalogue_sync()
    yield BusinessType.objects.get(code="91")
    registry._SPECS.pop("91", None)


def test_sync_gives_a_registered_type_its_catalogue_row_with_the_spec_filers(greenshoe):
    assert greenshoe.name == "测试超额配售登记"
    assert greenshoe.effective_filer_kinds() == {"issuer", "underwriter"}


def test_registering_another_spec_under_a_taken_code_is_refused(greenshoe):
    with pytest.raises(ValueError):
        register_business_type(BusinessTypeSpec(code="91", name="别的业务"))


def test_a_lead_underwriter_may_file_a_type_that_lists_underwriters(cast, greenshoe, key_a):
    app = application_draft(
        user=cast.underwriter,
        business_type=greenshoe,
        securities_code="920001",
        data={"quantity_shares": 100},
        files=[pdf_upload()],
    )
    assert app.filer_institution == cast.underwriter.institution


def test_a_kind_outside_the_spec_may_not_file_it(cast, greenshoe):
    with pytest.raises(CounterError, match="只能由"):
        application_draft(
            user=cast.participant,
            business_type=greenshoe,
            securities_code="920001",
            data={"quantity_shares": 100},
            files=[pdf_upload()],
        )


def test_the_types_validation_hook_refuses_with_its_message(cast, greenshoe):
    with pytest.raises(CounterError, match="15%"):
        application_draft(
            user=cast.issuer_a,
            business_type=greenshoe,
            securities_code="920001",
            data={"quantity_shares": 2_000_000},
            files=[pdf_upload()],
        )


def test_results_are_built_on_acceptance_and_on_finished_runs_once(cast, codes, greenshoe, key_a):
    app = application_draft(
        user=cast.issuer_a,
        business_type=greenshoe,
        securities_code="920001",
        data={"quantity_shares": 100},
        files=[pdf_upload()],
    )
    app = sign_and_submit(app, cast.issuer_a, key_a)
    handling.application_accept(application=app, actor=cast.operator)
    assert app.files.filter(purpose="result").count() == 1
    handling.application_issue_results(application=app, actor=cast.operator)
    application_confirm_results(application=app, user=cast.issuer_a)
    assert FINISHED.count(app.pk) == 1
    app.refresh_from_db()
    assert app.status == Status.FINISHED


def test_a_row_without_a_spec_is_a_plain_attachment_type(cast, codes):
    plain = BusinessType.objects.create(code="88", name="临时业务", filer_kinds=["issuer"])
    assert plain.spec is None
    with pytest.raises(CounterError, match="请上传申请材料"):
        application_draft(user=cast.issuer_a, business_type=plain, securities_code="920001", files=[])
    app = application_draft(
        user=cast.issuer_a, business_type=plain, securities_code="920001", data={"x": 1}, files=[pdf_upload()]
    )
    assert app.rounds.get().data == {}  # a plain type carries no structured content


def test_the_standard_catalogue_has_the_manuals_businesses_and_other(db):
    names = dict(BusinessType.objects.values_list("code", "name"))
    for name in (
        "股份初始登记",
        "新增股份登记",
        "股份解除限售登记",
        "股份限售登记",
        "权益分派",
        "退出登记",
        "信息查询",
        "其他",
    ):
        assert name in names.values()
    assert names["00"] == "其他"


def test_sync_never_overwrites_what_staff_edited(db):
    BusinessType.objects.filter(code="01").update(guide="新版指南")
    assert catalogue_sync() == 0
    assert BusinessType.objects.get(code="01").guide == "新版指南"


def test_a_default_code_registered_by_an_app_shows_the_apps_guide_not_the_generic_list(db):
    from csdp.counter.registry import spec_for

    catalogue_sync()
    guide = BusinessType.objects.get(code="05").guide
    assert guide == spec_for("05").guide and "代派资金截止日" in guide
    assert "资金划付凭证" not in guide


def test_sync_gives_a_row_still_holding_the_former_generic_guide_the_apps_guide(db):
    from csdp.counter.catalogue import _FORMER_MATERIALS, default_guide
    from csdp.counter.registry import spec_for

    catalogue_sync()
    former = default_guide("权益分派", _FORMER_MATERIALS["05"])
    BusinessType.objects.filter(code="05").update(guide=former)
    catalogue_sync()
    assert BusinessType.objects.get(code="05").guide == spec_for("05").guide


class _LabelledForm(forms.Form):
    quantity_shares = forms.IntegerField(label="登记数量（股）")
    posting_id = forms.IntegerField(label="质押信息编号")
    confirmed = forms.BooleanField(label="已确认", required=False)
    kind = forms.ChoiceField(label="类型", choices=[("a", "甲类")])
    lines = forms.CharField(label="名单", required=False)


def test_a_rounds_content_reads_in_labels_yes_no_and_separated_quantities_without_its_machine_keys(db):
    register_business_type(BusinessTypeSpec(code="92", name="测试展示", form_class=_LabelledForm))
    catalogue_sync()
    try:
        rows = selectors.structured_rows(
            BusinessType.objects.get(code="92"),
            {
                "quantity_shares": 41_512_100,
                "posting_id": 1234,
                "confirmed": False,
                "kind": "a",
                "lines": [],
                "business": "92",
                "file_sha256": "1b2e",
            },
        )
    finally:
        registry._SPECS.pop("92", None)
    assert [(r.label, r.value) for r in rows] == [
        ("登记数量（股）", "41,512,100"),
        ("质押信息编号", "1234"),
        ("已确认", "否"),
        ("类型", "甲类"),
    ]
