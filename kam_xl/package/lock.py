"""One kam-xl run at a time per workbook: an exclusive ``flock`` on a lock file next to it.

    Data.xlsm
    .~kam-xl-lock.Data.xlsm                      "<pid> <host>": who holds the lock; removed on release
    .~kam-xl-tmp.Data.xlsm.<pid>.<random>        the new file while it is written (see writer.py)

The kernel drops a ``flock`` when its holder dies (kill -9 included), so a lock file left behind by a dead run
is simply locked again and taken over; its pid is reported. A live holder makes the next run wait up to
``timeout`` seconds, then refuse with the holder's pid. The lock is re-entrant within a thread, so the
engine adapter may hold it over a whole recalculation and still call ``write_values`` inside.
Every writer of kam-xl takes it; other programs (Excel, LibreOffice) do not look at it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kam_xl.package.errors import PackageError

LOCK_PREFIX = ".~kam-xl-lock."
TEMP_PREFIX = ".~kam-xl-tmp."
POLL_SECONDS = 0.05

_held: dict[str, list] = {}  # lock path -> [thread id, depth, Lock]
_registry = threading.Lock()


@dataclass
class Lock:
    path: Path                       # the lock file
    target: Path                     # the workbook it guards
    taken_over_from: int | None = None  # pid of a dead run whose lock file was left behind


def short_name(name: str) -> str:
    """A file name that leaves room for the prefixes within the usual 255-byte limit."""
    if len(name.encode()) <= 120:
        return name
    return name[:40] + "-" + hashlib.sha1(name.encode()).hexdigest()[:12]


def lock_path(target: Path) -> Path:
    return target.parent / (LOCK_PREFIX + short_name(target.name))


def temp_prefix(target: Path) -> str:
    return TEMP_PREFIX + short_name(target.name) + "."


@contextmanager
def workbook_lock(target: Path | str, timeout: float = 10.0):
    """Hold the kam-xl lock of ``target``; yields a :class:`Lock`. PackageError if another run keeps it.

    The lock belongs to the real file: a symlink and its target share one lock."""
    target = Path(target).resolve()
    path = lock_path(target)
    key = str(path.absolute())
    me = threading.get_ident()
    with _registry:
        entry = _held.get(key)
        if entry and entry[0] == me:
            entry[1] += 1
            reentered = entry[2]
        else:
            reentered = None
    if reentered is not None:
        try:
            yield reentered
        finally:
            with _registry:
                _held[key][1] -= 1
        return
    fd, lock = _acquire(path, target, timeout)
    with _registry:
        _held[key] = [me, 1, lock]
    try:
        yield lock
    finally:
        with _registry:
            del _held[key]
        try:
            os.unlink(path)  # while still locked, so no one locks a file that is about to vanish
        except OSError:
            pass
        os.close(fd)


def _acquire(path: Path, target: Path, timeout: float) -> tuple[int, Lock]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except PermissionError:
            raise PackageError(target, f"{target}: cannot create the lock file {path.name} "
                                       "(permission denied); the folder must be writable") from None
        except OSError as exc:
            raise PackageError(target, f"{target}: cannot create the lock file {path.name} "
                                       f"({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                who = f"pid {holder[0]}" + (f" on {holder[1]}" if holder[1] != socket.gethostname() else "") \
                    if holder else "pid unknown"
                raise PackageError(target, f"{target} is being recalculated by another kam-xl run ({who}); "
                                           f"waited {timeout:g} s") from None
            time.sleep(POLL_SECONDS)
            continue
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise PackageError(target, f"{target}: its file system does not support locks") from None
            raise
        # The previous holder may have removed the file between our open and our lock: lock the file
        # that is at the path now, not an orphan.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        previous = _holder(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        stale = previous[0] if previous and previous[0] != os.getpid() else None
        return fd, Lock(path, target, stale)


def _holder(fd: int) -> tuple[int, str] | None:
    """(pid, host) written in the lock file, if any."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
        return int(text[0]), (text[1] if len(text) > 1 else "")
    except (OSError, ValueError, IndexError):
        return None

