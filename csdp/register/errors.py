"""The register's refusal (csdp.lib.errors' one error type), in a module of its own so that every register
module can raise it: services, the bulk path and the issued capital's guards (capital.py, which services
imports)."""

from __future__ import annotations

from csdp.lib.errors import CsdpError


class RegisterError(CsdpError):
    code = "register.refused"
