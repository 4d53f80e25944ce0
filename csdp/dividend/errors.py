from csdp.lib.errors import CsdpError


class DividendError(CsdpError):
    code = "dividend.refused"
