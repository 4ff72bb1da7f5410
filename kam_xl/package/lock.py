"""One kam-xl run at a time per workbook, across machines: a lock file next to it, created exclusively.

    Data.xlsm
    .~kam-xl-lock.Data.xlsm                      "<pid> <host> <time>": who holds the lock; removed on release
    .~kam-xl-tmp.Data.xlsm.<pid>.<random>        the new file while it is written (see writer.py)

The lock file is created with ``O_CREAT | O_EXCL``, atomic on local file systems, NFS v3/v4 and SMB, so it holds
between the machines of a Dask cluster sharing a folder (a ``flock`` may be local to one NFS client). While held,
its modification time is touched every :data:`HEARTBEAT` seconds. A lock file left behind is stale, and taken
over (its pid reported), when its holder ran on this host and that process is gone (kill -9 included), or when
it was not touched for :data:`STALE_AFTER` seconds (a holder on a host that died; the hosts' clocks must agree,
as NTP keeps them). A live holder makes the next run wait up to ``timeout`` seconds, then refuse with the
holder's pid and host. The lock is re-entrant within a thread, so the engine adapter may hold it over a whole
recalculation and still call ``write_values`` inside. Every writer of kam-xl takes it; other programs (Excel,
LibreOffice) do not look at it. Temp files of a dead holder are removed by the next writer (writer.py).
"""

from __future__ import annotations

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
HEARTBEAT = 5.0      # seconds between touches of a held lock file
STALE_AFTER = 30.0   # a lock file untouched this long belongs to a dead holder

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
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(fd, stop), daemon=True, name=f"kam-xl lock {target.name}")
    beat.start()
    with _registry:
        _held[key] = [me, 1, lock]
    try:
        yield lock
    finally:
        with _registry:
            del _held[key]
        stop.set()
        beat.join()
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:  # still ours, not taken over as stale
                os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def _heartbeat(fd: int, stop: threading.Event) -> None:
    """Touch the held lock file until ``stop``: a live holder's lock never looks stale."""
    while not stop.wait(HEARTBEAT):
        try:
            os.utime(fd)
        except OSError:
            pass


def _acquire(path: Path, target: Path, timeout: float) -> tuple[int, Lock]:
    deadline = time.monotonic() + timeout
    me = f"{os.getpid()} {socket.gethostname()} {time.time():.3f}\n".encode()
    taken_over = None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and holder.stale() and _break(path, holder.inode):
                taken_over = holder.pid if holder.pid != os.getpid() else None
                continue
            if time.monotonic() >= deadline:
                who = "pid unknown" if holder is None or holder.pid is None else f"pid {holder.pid}" + (
                    f" on {holder.host}" if holder.host != socket.gethostname() else "")
                raise PackageError(target, f"{target} is being recalculated by another kam-xl run ({who}); "
                                           f"waited {timeout:g} s") from None
            time.sleep(POLL_SECONDS)
            continue
        except PermissionError:
            raise PackageError(target, f"{target}: cannot create the lock file {path.name} "
                                       "(permission denied); the folder must be writable") from None
        except OSError as exc:
            raise PackageError(target, f"{target}: cannot create the lock file {path.name} "
                                       f"({exc.strerror})") from None
        os.write(fd, me)
        return fd, Lock(path, target, taken_over)


@dataclass
class _Holder:
    pid: int | None  # None: the lock file names none (its creator died before writing it)
    host: str
    inode: int
    age: float  # seconds since the holder last touched the lock file

    def stale(self) -> bool:
        if self.pid is not None and self.host == socket.gethostname() and not _alive(self.pid):
            return True
        return self.age > STALE_AFTER


def _holder(path: Path) -> _Holder | None:
    """Who holds the lock file at ``path`` (None: gone meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # opening revalidates NFS's cached attributes
    except OSError:
        return None
    try:
        stat = os.fstat(fd)
        text = os.pread(fd, 300, 0).decode("utf-8", "replace").split()
    except OSError:
        return None
    finally:
        os.close(fd)
    pid, host = (int(text[0]), text[1]) if len(text) >= 2 and text[0].isdigit() else (None, "")
    return _Holder(pid, host, stat.st_ino, time.time() - stat.st_mtime)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _break(path: Path, inode: int) -> bool:
    """Remove the stale lock file ``inode`` from ``path``; False when another run got there first."""
    aside = path.with_name(f"{path.name}.stale.{os.getpid()}.{threading.get_ident()}")
    try:
        os.rename(path, aside)
    except OSError:
        return False
    try:
        if os.stat(aside).st_ino != inode:  # a fresh lock replaced the stale one meanwhile: put it back
            try:
                os.link(aside, path)
            except OSError:
                pass
            return False
        return True
    finally:
        try:
            os.unlink(aside)
        except OSError:
            pass
