from csdp.keys.models.applications import (
    KeyApplication,
    KeyApplicationKind,
    KeyApplicationMaterial,
    KeyApplicationState,
    KeyApplicationTransition,
    MACHINE,
    TRANSITIONS,
)
from csdp.keys.models.devices import (
    Certificate,
    CertificateStatus,
    KeyDevice,
    KeyIssue,
    KeyKind,
    KeyModel,
    INITIAL_PIN_BY_MODEL,
    Signature,
    SigningChallenge,
)
from csdp.keys.models.factors import StaffFactor

__all__ = [
    "StaffFactor",
    "Certificate",
    "CertificateStatus",
    "KeyApplication",
    "KeyApplicationKind",
    "KeyApplicationMaterial",
    "KeyApplicationState",
    "INITIAL_PIN_BY_MODEL",
    "KeyApplicationTransition",
    "KeyDevice",
    "KeyIssue",
    "KeyKind",
    "KeyModel",
    "Signature",
    "SigningChallenge",
    "MACHINE",
    "TRANSITIONS",
]
