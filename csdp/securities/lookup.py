"""The account lookup page shows each account's holdings, which the register (an app built on this one)
keeps: it hands its reader over from its ready() (``holdings_reader``), so securities imports no register
module and the two apps have no cycle."""

from __future__ import annotations

from collections.abc import Callable

_READERS: list[Callable] = []


def holdings_reader(reader: Callable) -> None:
    _READERS[:] = [reader]


def holdings_for(account) -> list:
    return _READERS[0](account) if _READERS else []
