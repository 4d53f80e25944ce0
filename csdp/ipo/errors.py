from csdp.lib.errors import CsdpError


class IpoError(CsdpError):
    """A refused IPO operation; ``message`` is shown to the user (Chinese)."""

    code = "ipo.refused"
