"""The two state machines of the app: online registrations and information-change applications.

Each status class carries a one-line comment per state; the allowed transitions live in one dict
beside it and are checked by ``check_transition`` before any state change (style habit 8).
"""

from __future__ import annotations

from django.db import models

from csdp.lib.statemachine import Machine
from csdp.lib.statemachine import TransitionRefused as BaseTransitionRefused


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", "填写中"  # the applicant is still in the wizard; the draft expires if abandoned
    SUBMITTED = "submitted", "待审核"  # submitted, waiting for a reviewer
    REJECTED = "rejected", "已驳回"  # returned with a reason; the applicant may correct and resubmit
    APPROVED = "approved", "已通过"  # institution, user and profile created, USB-KEY issued (final)


class TransitionRefused(BaseTransitionRefused):
    code = "issuers.transition_refused"


REGISTRATION_MACHINE = Machine(
    RegistrationStatus,
    {
        RegistrationStatus.DRAFT: {RegistrationStatus.SUBMITTED},
        RegistrationStatus.SUBMITTED: {RegistrationStatus.APPROVED, RegistrationStatus.REJECTED},
        RegistrationStatus.REJECTED: {RegistrationStatus.SUBMITTED},
    },
    error=TransitionRefused,
)
REGISTRATION_TRANSITIONS = REGISTRATION_MACHINE.transitions


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"  # waiting for a reviewer
    REJECTED = "rejected", "已驳回"  # returned; blocks new key-field applications until handled (000 §二(二))
    APPROVED = "approved", "已通过"  # approved; the new version takes effect the next day (final)
    WITHDRAWN = "withdrawn", "已撤回"  # withdrawn by the applicant (final)


APPLICATION_MACHINE = Machine(
    ApplicationStatus,
    {
        ApplicationStatus.SUBMITTED: {
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.REJECTED: {ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
    },
    error=TransitionRefused,
)
APPLICATION_TRANSITIONS = APPLICATION_MACHINE.transitions
# States in which an application stops the institution from filing another key-field change.
APPLICATION_BLOCKING = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED})
