"""Four-eyes for the platform apps below csdp.approvals: staff role grants (accounts) and calendar
changes (csdp/clock/changes.py) are prepared by one administrator and applied when another approves.

csdp.approvals sits above accounts and the clock (it reads roles and business time from them), so these
apps do not import it (docs/architecture.md "Layers"): approvals fills the two slots below from its
AppConfig.ready() with ``approval_prepare`` and a reader of the approvals still waiting for review, and
registers these apps' kinds with their ``apply`` functions (csdp/approvals/platform_kinds.py). The apps
above approvals (keys, the domain apps) call csdp.approvals directly.

Nothing here holds business data: the slots are filled once at start-up with the same functions in
every process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass
class FourEyes:
    # (*, kind, key, summary, payload, by, subject=None) → Approval (csdp.approvals.services.approval_prepare)
    prepare: Callable[..., Any]
    # (*, kind, subject) → the approvals of that kind about that object still waiting for review
    waiting: Callable[..., Any]


def _missing(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("four-eyes not registered: csdp.approvals must be an installed app")


_SLOTS = FourEyes(prepare=_missing, waiting=_missing)


def four_eyes_register(*, prepare: Callable[..., Any], waiting: Callable[..., Any]) -> None:
    _SLOTS.prepare, _SLOTS.waiting = prepare, waiting


def four_eyes_prepare(
    *, kind: str, key: str, summary: str, payload: dict[str, Any], by: Any, subject: Any = None
) -> Any:
    """经办: hand the effect to csdp.approvals, which refuses a preparer without the kind's role."""
    return _SLOTS.prepare(kind=kind, key=key, summary=summary, payload=payload, by=by, subject=subject)


def four_eyes_waiting(*, kind: str, subject: Any) -> Any:
    return _SLOTS.waiting(kind=kind, subject=subject)


def stamped_key(*parts: object) -> str:
    """The idempotency key of a prepare that every click makes anew (a calendar change, a PIN reset):
    its parts and the moment, so two administrators' requests never merge into one approval."""
    return ":".join([*(str(p) for p in parts), f"{timezone.now():%Y%m%d%H%M%S%f}"])
