"""Refusals of the key applications (000 §二): a field-level one names its form field."""

from __future__ import annotations

from csdp.lib.errors import CsdpError, Problem
from csdp.lib.statemachine import TransitionRefused


class ApplicationRefused(CsdpError):
    """Refused; a refusal about one form field names it (``field``), for the form to show it there."""

    code = "key.application_refused"

    def __init__(self, message: str, field: str | None = None, **kwargs):
        super().__init__(message, problems=[Problem(message, field=field)] if field else (), **kwargs)
        self.field = field


class ApplicationTransitionRefused(TransitionRefused, ApplicationRefused):
    code = "key.application_transition_refused"
