from csdp.lib.errors import CsdpError


class RestrictionError(CsdpError):
    """A refused pledge, release, freeze or transfer; the message is Chinese and shown as is."""

    code = "restrictions.refused"
