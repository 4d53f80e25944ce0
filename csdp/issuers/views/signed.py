"""The two-step signed submission of the member pages (see csdp.issuers.signing)."""

from __future__ import annotations

from collections.abc import Callable

from django.shortcuts import render

from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.signing import key_session, signing_for
from csdp.issuers.views.files import Slot, SlotFiles
from csdp.keys.signing import SignatureRefused

_NOT_CARRIED = {"csrfmiddlewaretoken", "confirm", "key_signature"}


def _hidden(request, slots: list[Slot], collected: SlotFiles) -> list[tuple[str, str]]:
    slot_names = {s.name for s in slots} | {f"{s.name}_stored" for s in slots}
    pairs = [(k, v) for k, values in request.POST.lists() if k not in _NOT_CARRIED | slot_names for v in values]
    pairs += [(f"{s.name}_stored", str(collected.files[s.name].pk)) for s in slots if s.name in collected.files]
    return pairs


def submit_signed(
    request,
    *,
    kind: str,
    form,
    slots: list[Slot],
    collected: SlotFiles,
    title: str,
    summary: list[tuple[str, object]],
    apply: Callable,
    require_signature: bool = True,
    signed_values: dict | None = None,
):
    """After ``form`` (and its files) validated: apply at once where no key is needed, else show the
    confirmation page to sign, and hand the posted signature to ``apply(signature_payload)``, whose
    service verifies it (SignatureRefused shows the confirmation page again with the reason).
    ``signed_values``: what the service signs when it is not the whole form. Returns a response, or
    raises IssuerRefused for the caller to show on the form."""
    values = form.cleaned_data if signed_values is None else signed_values
    if not key_session(request):
        if require_signature:
            raise IssuerRefused("此功能须使用 USB-KEY（证书登录）办理。")
        return apply(None)
    if request.POST.get("confirm") == "1":
        try:
            return apply(request.POST.get("key_signature", ""))
        except SignatureRefused as refused:
            return _confirm(request, kind, values, slots, collected, title, summary, error=refused.message)
    return _confirm(request, kind, values, slots, collected, title, summary)


def _confirm(request, kind, values, slots, collected, title, summary, error: str = ""):
    return render(
        request,
        "issuers/confirm.html",
        {
            "title": title,
            "summary": summary,
            "files": [(s.label, collected.files[s.name]) for s in slots if s.name in collected.files],
            "hidden": _hidden(request, slots, collected),
            "signing": signing_for(request, kind, values, collected.ordered(slots)),
            "error": error,
            "action": request.path,
        },
    )


def summary_of(form) -> list[tuple[str, object]]:
    """Label and shown value of every field, for the confirmation page (choices by their label)."""
    rows = []
    for name, field in form.fields.items():
        if name.endswith("_again"):
            continue
        value = form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, str) and value in choices:
            value = choices[value]
        rows.append((field.label, value if value not in (None, "") else "—"))
    return rows
