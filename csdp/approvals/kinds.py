"""The kinds of four-eyes business, registered by the apps that own them.

A kind names who may prepare and who may approve, and the function that applies the approved effect.
``apply(approval)`` runs inside the approving transaction (or the end of day of the effective date),
changes the register / ledger / whatever through the owning app's services, and returns a small JSON
result shown to staff; it raises ``CsdpError`` to refuse (nothing is applied then).

A kind whose payload the generic table cannot make readable (ids, integer rates) also gives ``describe(approval)``:
the lines the reviewer reads instead of the payload and the result (the approval page).

A kind whose business started elsewhere (a counter application) gives ``on_reject(approval, by=, reason=)``: it
runs inside the rejecting transaction, so that business hears of the rejection and its reason with it (a
refusal there, ``CsdpError``, leaves the approval 待复核).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from csdp.accounts.roles import Role
from csdp.lib.errors import CsdpError


@dataclass(frozen=True)
class Shown:
    """One line of an approval as the reviewer reads it: a Chinese label, its value, a link if any."""

    label: str
    value: str
    href: str = ""
    # A table under the value (the rows of a data sheet): its header and its rows, in the reader's words;
    # ``numeric``: the columns aligned as numbers.
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ApprovalKind:
    code: str
    label: str  # Chinese, shown to staff
    apply: Callable[[object], dict | None]
    preparers: frozenset[str]
    approvers: frozenset[str]
    describe: Callable[[object], list[Shown]] | None = None  # None: the payload's labelled keys are shown
    on_reject: Callable[..., None] | None = None  # on_reject(approval, *, by, reason): the business hears of it


_KINDS: dict[str, ApprovalKind] = {}


def register_kind(
    *,
    code: str,
    label: str,
    apply: Callable[[object], dict | None],
    preparers: Iterable[str] = (Role.OPERATOR,),
    approvers: Iterable[str] = (Role.REVIEWER,),
    describe: Callable[[object], list[Shown]] | None = None,
    on_reject: Callable[..., None] | None = None,
) -> ApprovalKind:
    kind = ApprovalKind(code, label, apply, frozenset(preparers), frozenset(approvers), describe, on_reject)
    existing = _KINDS.get(code)
    if existing is not None and existing.apply is not apply:
        # Re-registering from a reloaded module is fine; two apps claiming one code is a bug.
        if existing.apply.__qualname__ != apply.__qualname__:
            raise ValueError(f"approval kind {code!r} is registered twice")
    _KINDS[code] = kind
    return kind


def register_admin_kind(*, code: str, label: str, apply: Callable[[object], dict | None]) -> ApprovalKind:
    """Platform administration (20 §2: the calendar, USB-KEY PINs, certificates): prepared by an
    administrator, approved by another administrator or a reviewer."""
    return register_kind(
        code=code, label=label, apply=apply, preparers={Role.ADMIN}, approvers={Role.ADMIN, Role.REVIEWER}
    )


def kind_for(code: str) -> ApprovalKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise CsdpError("未知的复核业务类型。", code="approval.unknown_kind") from None


def kinds_approved_by(role: str | None) -> list[str]:
    """The kinds a user of ``role`` may approve (复核): the ones their 待办 asks them to review."""
    return sorted(code for code, kind in _KINDS.items() if role in kind.approvers)


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.label if kind else code


def kind_description(approval) -> list[Shown] | None:
    """What the reviewer reads of ``approval`` when its kind describes itself, else None."""
    kind = _KINDS.get(approval.kind)
    return kind.describe(approval) if kind is not None and kind.describe is not None else None
