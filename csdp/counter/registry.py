"""Business types plug into the counter here, without touching the engine (issue 4 §6).

The catalogue row in the database (models.BusinessType) holds what staff edit: the name shown,
the 业务指南 and its templates, the handlers. The spec registered in code holds behaviour: a
structured form, a validation hook, how results are built and what happens when the application
is finished. A catalogue row without a spec is a plain attachment-only type.

    register_business_type(BusinessTypeSpec(
        code="31", name="超额配售股份登记", filer_kinds={"issuer"},
        form_class=GreenshoeForm, validate=check_greenshoe, on_finished=post_greenshoe_shares,
    ))

Call it at import time of a module your AppConfig.ready() imports. `catalogue_sync()` (run after
every migrate and by the demo seeder) gives each registered spec its catalogue row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
import datetime as dt
from decimal import Decimal


class StructuredForm(forms.Form):
    """Base of a type's structured form: ``json_data()`` gives the cleaned data ready for the JSON column
    (dates as ISO text, decimals as exact strings in plain notation — never floats)."""

    def json_data(self) -> dict:
        def ready(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return value.isoformat()
            if isinstance(value, Decimal):
                return format(value, "f")  # plain notation: str() gives "1E+3" for 1000 read from "1e3"
            return value

        return {name: ready(value) for name, value in self.cleaned_data.items()}

    def data_files(self) -> list:
        """The uploaded files of the form to keep with the round as filed (a data sheet whose rows are in
        ``json_data``): stored through csdp.uploads and shown as 申报数据文件 with a download link."""
        return []


@dataclass(frozen=True)
class FilingContext:
    """What a validation hook sees when a filer submits or resubmits."""

    user: object
    institution: object
    securities_code: str
    data: dict  # the structured form's cleaned data, JSON-ready (empty for plain types)
    attachments: tuple  # StoredFile rows of this round, in order


@dataclass(frozen=True)
class GeneratedFile:
    """A result report built by a type's result_builder; stored through csdp.uploads (kind "result")."""

    name: str
    content: bytes


@dataclass(frozen=True)
class BusinessTypeSpec:
    code: str
    name: str
    # Institution kinds (csdp.accounts.roles.InstitutionKind values) that may file this type.
    filer_kinds: frozenset[str] = field(default_factory=lambda: frozenset({"issuer"}))
    # A StructuredForm (or a django Form with json_data()): its data is stored as JSON (dates as ISO text).
    form_class: type[forms.Form] | None = None
    # validate(FilingContext) raises django.core.exceptions.ValidationError with a Chinese message.
    validate: Callable[[FilingContext], None] | None = None
    # on_accepted(application) runs inside the transaction of staff acceptance (受理), before the results are
    # built: for a business the depository carries out when it accepts (e.g. 002 第五章 refunds). Raise
    # CounterError with a Chinese message to refuse the acceptance; nothing of it is kept.
    on_accepted: Callable[[object], None] | None = None
    # on_finished(application) runs inside the transaction that finishes the application.
    on_finished: Callable[[object], None] | None = None
    # on_results(application) runs before staff send the results back: raise CounterError to refuse
    # (e.g. a register business whose four-eyes approval has not been applied yet).
    on_results: Callable[[object], None] | None = None
    # result_builder(application) -> [GeneratedFile]; run when staff accept the application.
    result_builder: Callable[[object], Iterable[GeneratedFile]] | None = None
    # Plain types need the manual's 1–2 zip archives or one PDF; a structured type may carry its
    # content in the form and make attachments optional.
    attachments_required: bool = True
    guide: str = ""  # the initial 业务指南 text for the catalogue row (staff edit it afterwards)
    # key_required(data) -> bool: the round (its structured data) moves money, so it must be signed with a
    # USB-KEY whatever the filer's institution kind — no unsigned record stands for it.
    key_required: Callable[[dict], bool] | None = None
    # derived_rows(data) -> [(label, value)]: what the type derives from a round's data (dates, say), shown
    # after the data on the confirm and application pages, so the filer sees it before signing.
    derived_rows: Callable[[dict], list[tuple[str, str]]] | None = None
    # progress(application) -> [(label, value)]: how the business the application started stands once
    # accepted (its four-eyes review, its effect on the register), shown under 办理结果 to the filer and staff.
    progress: Callable[[object], list[tuple[str, str]]] | None = None

    def __post_init__(self):
        object.__setattr__(self, "filer_kinds", frozenset(self.filer_kinds))
        if not self.code or not self.name:
            raise ValueError("BusinessTypeSpec needs a code and a name")


_SPECS: dict[str, BusinessTypeSpec] = {}


def register_business_type(spec: BusinessTypeSpec) -> BusinessTypeSpec:
    existing = _SPECS.get(spec.code)
    if existing is not None and existing != spec:
        raise ValueError(f"业务类型代码 {spec.code} 已由“{existing.name}”注册")
    _SPECS[spec.code] = spec
    return spec


def spec_for(code: str) -> BusinessTypeSpec | None:
    return _SPECS.get(code)


def registered_specs() -> list[BusinessTypeSpec]:
    return sorted(_SPECS.values(), key=lambda s: s.code)


def round_key_required(business_type, data: dict | None) -> bool:
    """Whether a round of ``business_type`` with ``data`` must carry a key signature (see key_required)."""
    spec = getattr(business_type, "spec", None)
    return bool(spec is not None and spec.key_required is not None and spec.key_required(data or {}))
