"""One holder at a time across machines: a PostgreSQL session advisory lock (or, on SQLite — one
machine by definition — an exclusive lock on a file beside the database).

Used by ``csdp eod run``: a second run started while one holds the lock, on any machine, does not wait
and does nothing — it says who holds the lock and exits with LOCK_BUSY_EXIT. The lock is the session's:
if the holder dies, PostgreSQL releases it when the connection closes, and the next run resumes the
interrupted step (every step is idempotent and resumable).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
import fcntl
import hashlib
import os
import socket

from django.conf import settings
from django.db import connection

LOCK_BUSY_EXIT = 3


class LockBusy(Exception):
    pass


def _key(name: str) -> int:
    # pg advisory locks take a signed 64-bit key; a stable hash of the name.
    return int.from_bytes(hashlib.sha256(f"csdp:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Hold the named lock for the block, or raise LockBusy at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            if not cursor.fetchone()[0]:
                raise LockBusy(_pg_holder(name))
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    path = settings.VAR_DIR / f".{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise LockBusy(handle.read().strip() or "另一个进程") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{socket.gethostname()} pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pg_holder(name: str) -> str:
    key = _key(name)
    classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.client_addr, a.pid, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.granted LIMIT 1",
            [classid, objid],
        )
        row = cursor.fetchone()
    if row is None:
        return "另一个进程"
    return f"数据库会话 pid {row[1]}（客户端 {row[0] or '本机'}，始于 {row[2]:%Y-%m-%d %H:%M:%S}）"
