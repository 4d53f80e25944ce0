"""Files for participants appear when the database commits the step that made them (issue 20 §7).

A writer writes ``<name>.part`` and hands the rename to the current staging, if there is one; the
staging renames every file it holds into place after the step's transaction has committed, and
removes them if the step failed. A crash before the commit leaves only ``.part`` names nobody reads
(and the step, rolled back, runs again); a crash between the commit and the renames leaves ``.part``
files whose records the database has — the owner's resume (e.g. csdp.ipo.eod.participant_files.publish_pending)
renames those whose SHA-256 matches the record.

The staging is process-wide, not per thread: the writers of a step run in a thread pool. One step is
staged at a time in a process (the end of day runs its steps one after the other).

    with staged_files() as staged:
        with transaction.atomic():
            ...write files, write their records...
    # committed here; staged_files renamed the files on leaving the with-block
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
import hashlib

_lock = threading.Lock()
_stack: list[Staging] = []


class Staging:
    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def add(self, tmp: Path, final: Path) -> None:
        with _lock:
            self.pending.append((tmp, final))

    def publish(self) -> int:
        with _lock:
            pending, self.pending = self.pending, []
        for tmp, final in pending:
            tmp.replace(final)
        return len(pending)

    def discard(self) -> None:
        with _lock:
            pending, self.pending = self.pending, []
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)


def current() -> Staging | None:
    with _lock:
        return _stack[-1] if _stack else None


def put_in_place(tmp: Path, final: Path) -> None:
    """Rename now, or when the current staging publishes."""
    staging = current()
    if staging is None:
        tmp.replace(final)
    else:
        staging.add(tmp, final)


@contextmanager
def staged_files() -> Iterator[Staging]:
    staging = Staging()
    with _lock:
        _stack.append(staging)
    try:
        yield staging
    except BaseException:
        with _lock:
            _stack.remove(staging)
        staging.discard()
        raise
    with _lock:
        _stack.remove(staging)
    staging.publish()


def publish_pending(root: Path, records: Iterable[tuple[str, str]]) -> int:
    """After a crash between a commit and its renames: put in place each recorded file that is missing
    while its ``.part`` holds exactly the recorded content (``records``: (path relative to root, sha256)).
    Returns how many were put in place."""
    done = 0
    for relative, sha256 in records:
        final = Path(root) / relative
        tmp = final.with_suffix(final.suffix + ".part")
        if final.exists() or not tmp.exists():
            continue
        digest = hashlib.sha256()
        with open(tmp, "rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() == sha256:
            tmp.replace(final)
            done += 1
    return done


def published_file_response(relative_path: str) -> FileResponse:
    """A published participant file (its record's ``path`` under CSDP_FILES_DIR) as a download, for a
    caller that has loaded the record through its access check. A file gone from the storage is a 404."""
    path = Path(settings.CSDP_FILES_DIR) / relative_path
    if not path.is_file():
        raise Http404("数据文件已不在存储中，请联系本公司。")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    response["X-Content-Type-Options"] = "nosniff"  # a download, never rendered by the browser
    return response
