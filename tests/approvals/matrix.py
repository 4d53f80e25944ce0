"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS)."""

from __future__ import annotations

from tests.approvals.kinds import prepare

STAFF = {"reviewer", "operator", "admin"}


def approval(cast):
    """A prepared approval: every staff user may see it; no member."""
    return str(prepare(cast.operator, key="matrix").pk), STAFF
