"""Files written whole or not at all: a temporary file beside the target, flushed to disk, then one rename.

    replace_file(path, write)     # write(temporary path) fills it
    write_bytes(path, content)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_file(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Let ``write`` fill a temporary file next to ``path``, then rename it over ``path`` with a normal file's
    mode (mkstemp makes it private). A failure leaves ``path`` as it was and no temporary file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.resolve().parent)
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def write_bytes(path: str | os.PathLike, content: bytes) -> Path:
    """``content`` as the file ``path``, whole or not at all."""
    return replace_file(path, lambda temporary: Path(temporary).write_bytes(content))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
