"""Writes of the issuers app, one module per domain line: registration wizard, staff review of
registrations, 经办人信息, 本机构信息 (key-field applications and non-key updates), 增值税发票信息."""

from csdp.issuers.services.common import IssuerRefused

__all__ = ["IssuerRefused"]
