"""The one error the package writer raises: a one-line message naming the file and what happened."""

from __future__ import annotations

from kam_xl.errors import InputError


class PackageError(InputError):
    """The workbook could not be written; the original file is left byte-identical.

    ``str(error)`` is one line that names the file; ``path`` is that file. A subclass of
    :class:`kam_xl.errors.InputError`, so the CLI prints it like any other input error (exit code 2).
    """

    def __init__(self, path, message: str):
        self.path = str(path)
        if self.path not in message:
            message = f"{self.path}: {message}"
        super().__init__(" ".join(message.split()))
