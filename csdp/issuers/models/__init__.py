"""Issuer registration, profile, information versions and change applications (seed 000 §一(一), §二)."""

from csdp.issuers.models.applications import InfoChangeApplication, InfoChangeTransition
from csdp.issuers.models.invoice import InvoiceInfo
from csdp.issuers.models.profile import InstitutionInfoVersion, IssuerProfile, IssuerSecurity
from csdp.issuers.models.registration import Registration, RegistrationMaterial, RegistrationTransition

__all__ = [
    "InfoChangeApplication",
    "InfoChangeTransition",
    "InvoiceInfo",
    "InstitutionInfoVersion",
    "IssuerProfile",
    "IssuerSecurity",
    "Registration",
    "RegistrationMaterial",
    "RegistrationTransition",
]
