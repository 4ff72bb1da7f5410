"""``write_values``: computed results into a workbook as the cached values of its formula cells.

The story of one call:

1. take the kam-xl lock of the file written (lock.py) and remove temp files a killed run left behind;
2. open the source, tell a zip package from an encrypted workbook or an .xls, find each sheet's part
   (workbook_part.py);
3. edit the cached values of each sheet in its bytes (sheet_part.py), moving spill ranges first when
   ``spills`` says so; a sheet with no changed value is not touched; with ``all_computed`` and no conflict,
   drop ``fullCalcOnLoad`` from workbook.xml;
4. write a new archive next to the target (``.~kam-xl-tmp.<name>.<pid>.<random>``): changed parts
   recompressed, every other entry copied as raw bytes (zipcopy.py); fsync; read the changed parts back;
5. ``os.replace`` it over the target (atomic on one file system), fsync the folder.

Whatever fails, the source is left byte-identical, the temp file is removed, and a PackageError says what
happened in one line. A process killed in step 4 leaves its temp file; the next run on the file removes it.
"""

from __future__ import annotations

import errno
import mmap
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.package import cell_values, lock, sheet_part, workbook_part, zipcopy
from kam_xl.package.cell_values import Cached
from kam_xl.package.errors import PackageError
from kam_xl.package.names import (
    CFB_ENCRYPTED_PACKAGE,
    CFB_ENCRYPTION_INFO,
    CFB_SIGNATURE,
    CFB_XLS_WORKBOOK,
)


@dataclass(frozen=True)
class Conflict:
    """A value that was not written: ``cell`` of ``sheet`` and why."""

    sheet: str
    cell: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell} {self.reason}"


@dataclass
class WriteReport:
    source: Path                    # the workbook read
    path: Path                      # the workbook written (the source itself, or ``out``)
    sheets_rewritten: list[str] = field(default_factory=list)
    cells_written: int = 0          # existing cells whose cached value changed
    cells_created: int = 0          # cells of array/spill ranges that had no <c> element
    cells_unchanged: int = 0        # cells that already held the value
    conflicts: list[Conflict] = field(default_factory=list)  # not written; fullCalcOnLoad then stays
    spills_resized: list[str] = field(default_factory=list)  # "Matrix!I5:J105": dynamic arrays moved
    full_calc_cleared: bool = False  # fullCalcOnLoad removed from workbook.xml
    errors_stored_as_value: int = 0  # #SPILL!, #CALC!, … written as #VALUE! (see cell_values)
    bytes_before: int = 0
    bytes_after: int = 0
    written: bool = False           # False when nothing changed and the file was left alone
    lock_taken_over_from: int | None = None    # pid of a dead run whose lock file was left behind
    temp_files_removed: list[str] = field(default_factory=list)  # left behind by killed runs


def write_values(path: str | os.PathLike, values: Mapping[str, Mapping[str, object]], *, all_computed: bool,
                 out: str | os.PathLike | None = None, lock_timeout: float = 10.0,
                 spills: Mapping[tuple[str, str], str] | None = None) -> WriteReport:
    """Write computed values as the cached values of a workbook's cells.

    ``values`` maps a sheet name to {A1 reference: value}; a value is a number, text, bool,
    :class:`ErrorValue`, date/datetime/time (stored as a serial number), or None (empty result).
    ``all_computed``: every formula of the workbook was computed, so Excel need not recalculate on open
    (``fullCalcOnLoad`` is removed, unless a value could not be written: see ``WriteReport.conflicts``).
    ``out``: write there instead of over ``path``, which stays untouched.
    ``lock_timeout``: seconds to wait for another kam-xl run on the same target.
    ``spills``: {(sheet, anchor): range} for dynamic arrays whose result now fills another range than the file
    records (``RecalcResult.spills``, e.g. ``{("Matrix", "I5"): "I5:J105"}``): the anchor's ``ref`` is set to
    it, so the values of the new range can be written and the cells the range left are emptied.
    """
    source = Path(path)
    if not source.is_file():
        raise PackageError(source, f"{source}: no such file")
    requests = _requests(source, values)
    report = WriteReport(source=source, path=Path(out) if out is not None else source)
    with _opened(source, out, lock_timeout) as package:
        report.lock_taken_over_from = package.held.taken_over_from
        report.temp_files_removed = package.removed
        report.bytes_before = report.bytes_after = package.stat.st_size
        replaced = _edits(source, package.archive, requests, _spills(source, spills), all_computed, report)
        if not replaced and out is None:
            return report
        package.swap(replaced, in_place=out is None)
        report.written = True
        report.bytes_after = package.target.stat().st_size
    return report


def replace_parts(path: str | os.PathLike, edit, *, lock_timeout: float = 10.0,
                  out: str | os.PathLike | None = None, ahead: zipcopy.Ahead | None = None) -> bool:
    """Rewrite some parts of a workbook, as :func:`write_values` does: under the lock, every other entry copied
    byte for byte, the new file swapped in atomically (over ``path``, or to ``out`` leaving ``path`` as it
    was). ``edit(archive, workbook)`` returns {entry name: new bytes} (raising PackageError to stop); False
    when it returns nothing to change (then nothing is written in place; ``out`` gets the same bytes).
    ``ahead``: parts the edit started deflating on the way."""
    source = Path(path)
    if not source.is_file():
        raise PackageError(source, f"{source}: no such file")
    with _opened(source, out, lock_timeout) as package:
        replaced = edit(package.archive, _workbook(source, package.archive))
        if not replaced and out is None:
            return False
        package.swap(replaced, in_place=out is None, ahead=ahead)
    return bool(replaced)


@dataclass
class _Opened:
    """A workbook opened for a rewrite, under the lock of where the new file goes."""

    source: Path
    target: Path
    held: object
    removed: list
    handle: object
    stat: os.stat_result
    archive: zipfile.ZipFile

    def swap(self, replaced: dict[str, bytes], *, in_place: bool, ahead: zipcopy.Ahead | None = None) -> None:
        """Every entry copied, ``replaced`` ones rewritten, the new file swapped in atomically."""
        _write_atomically(self.source.resolve(), self.target, self.handle, self.archive, replaced, self.stat,
                          in_place=in_place, ahead=ahead)


@contextmanager
def _opened(source: Path, out, lock_timeout: float):
    """The lock of the target (``out``, else the source) taken, a dead run's temporary files removed, and the
    source opened and checked as a zip, for one rewrite."""
    source_real = source.resolve()
    target = Path(out).resolve() if out is not None else source_real
    with lock.workbook_lock(target, lock_timeout) as held:
        removed = _remove_leftovers(target)
        try:
            handle = open(source_real, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise _os_error(source, exc, "cannot read it") from None
        with handle:
            stat = os.fstat(handle.fileno())
            _sniff(handle, source)
            yield _Opened(source, target, held, removed, handle, stat, _open_zip(handle, source))


def value_parts(source: str | os.PathLike, archive: zipfile.ZipFile, values, *, all_computed: bool,
                spills=None, inflated: zipcopy.Inflated | None = None) -> tuple[dict[str, bytes], WriteReport]:
    """The entries :func:`write_values` would rewrite, {name: new bytes}, computed on an open package (an
    in-memory one too) without writing; ``source`` names the file in messages; ``inflated``: parts inflated
    before."""
    path = Path(source)
    report = WriteReport(source=path, path=path)
    return _edits(path, archive, _requests(path, values), _spills(path, spills), all_computed, report,
                  inflated), report


def check_package(path: str | os.PathLike) -> None:
    """PackageError unless ``path`` is a workbook ``write_values`` can write: not encrypted, not an .xls, a
    readable zip, a SpreadsheetML workbook whose sheets' parts are there. Reads the directory and the
    workbook's own parts only, so it is cheap to call before a long recalculation."""
    source = Path(path)
    if not source.is_file():
        raise PackageError(source, f"{source}: no such file")
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise _os_error(source, exc, "cannot read it") from None
    with handle:
        _sniff(handle, source)
        archive = _open_zip(handle, source)
        workbook = _workbook(source, archive)
        for sheet in workbook.sheets:
            if sheet.kind == "worksheet" and sheet.part is None:
                raise PackageError(source, f"{source}: sheet {sheet.name!r} points to {sheet.target}, which is "
                                           "missing from the package (missing sheet part)")


# ---------------------------------------------------------------------------------------------- the edits

def _requests(source: Path, values) -> Mapping[str, Mapping[str, object]]:
    """``values`` checked for shape; references and values are checked with the workbook at hand."""
    if not isinstance(values, Mapping):
        raise PackageError(source, f"{source}: values must map sheet names to {{cell: value}}, "
                                   f"got {type(values).__name__}")
    for sheet, cells in values.items():
        if not isinstance(cells, Mapping):
            raise PackageError(source, f"{source}: values of sheet {sheet!r} must map cell references to "
                                       f"values, got {type(cells).__name__}")
    return values


def _targets(source: Path, sheet: str, cells: Mapping[str, object], date1904: bool) -> dict[bytes, Cached]:
    """Canonical reference (``b"B7"``) -> cached value; PackageError names the first reference or value that
    cannot be. All references and values at once when they are plain (nearly always); one by one else."""
    refs = sheet_part.canonical_refs(cells)
    if refs is not None:
        try:
            return dict(zip(refs, cell_values.cached_values(cells.values(), date1904=date1904)))
        except (TypeError, ValueError):
            pass  # the loop below names the cell
    return _targets_one_by_one(source, sheet, cells, date1904)


def _targets_one_by_one(source: Path, sheet: str, cells: Mapping[str, object],
                        date1904: bool) -> dict[bytes, Cached]:
    targets: dict[bytes, Cached] = {}
    parse_ref, encode = sheet_part.parse_ref, cell_values.cached
    for ref, value in cells.items():
        try:
            key = sheet_part.ref_bytes(*parse_ref(ref))
            if key in targets:
                raise ValueError(f"cell {ref!r} is given twice")
            targets[key] = encode(value, date1904=date1904)
        except (TypeError, ValueError) as exc:
            raise PackageError(source, f"{source}: sheet {sheet!r}, cell {ref!r}: {exc}") from None
    return targets


def _spills(source: Path, spills) -> dict[str, dict[tuple[int, int], tuple[int, int, int, int]]]:
    """Sheet name -> anchor (row, column) -> (first row, first column, last row, last column)."""
    by_sheet: dict[str, dict] = {}
    for key, area in (spills or {}).items():
        try:
            sheet, anchor = key
            first, _, last = str(area).partition(":")
            r1, c1 = sheet_part.parse_ref(first)
            r2, c2 = sheet_part.parse_ref(last) if last else (r1, c1)
            by_sheet.setdefault(sheet, {})[sheet_part.parse_ref(anchor)] = (r1, c1, r2, c2)
        except (TypeError, ValueError) as exc:
            raise PackageError(source, f"{source}: spill {key!r} -> {area!r}: {exc}") from None
    return by_sheet


def _edits(source: Path, archive: zipfile.ZipFile, requests, spills, all_computed: bool,
           report: WriteReport, inflated: zipcopy.Inflated | None = None) -> dict[str, bytes]:
    """Entry name -> new content, for every part whose bytes change."""
    workbook = _workbook(source, archive)
    replaced: dict[str, bytes] = {}
    seen: dict[str, str] = {}
    for name in dict.fromkeys([*requests, *spills]):
        sheet = _worksheet(source, workbook, name)
        if sheet.name in seen:
            raise PackageError(source, f"{source}: sheet {sheet.name!r} is given twice "
                                       f"(as {seen[sheet.name]!r} and {name!r})")
        seen[sheet.name] = name
        targets = _targets(source, sheet.name, requests.get(name, {}), workbook.date1904)
        report.errors_stored_as_value += sum(v.downgraded for v in targets.values())
        if not targets and not spills.get(name):
            continue
        xml = _read(source, archive, sheet.part, inflated)
        try:
            result = sheet_part.write_cached(xml, targets, spills.get(name))
        except sheet_part.SheetError as exc:
            raise PackageError(source, f"{source}: sheet {sheet.name!r} ({sheet.part}): {exc}") from None
        report.cells_written += result.written
        report.cells_created += len(result.created)
        report.cells_unchanged += result.unchanged
        report.conflicts += [Conflict(sheet.name, cell, reason) for cell, reason in result.conflicts]
        report.spills_resized += [f"{sheet.name}!{area}" for area in result.resized]
        if result.data is not None:
            replaced[sheet.part] = result.data
            report.sheets_rewritten.append(sheet.name)
    # A value that could not be written leaves the file short of a full calculation: Excel should still do one.
    if all_computed and not report.conflicts:
        new = workbook_part.without_full_calc_on_load(_read(source, archive, workbook.part))
        if new is not None:
            replaced[workbook.part] = new
            report.full_calc_cleared = True
    return replaced


def _worksheet(source: Path, workbook: workbook_part.Workbook, name: str) -> workbook_part.Sheet:
    try:
        sheet = workbook.sheet(name)
    except workbook_part.WorkbookError as exc:
        raise PackageError(source, f"{source}: {exc}") from None
    if sheet.kind != "worksheet":
        raise PackageError(source, f"{source}: sheet {sheet.name!r} is a {sheet.kind}, which has no cells")
    if sheet.part is None:
        raise PackageError(source, f"{source}: sheet {sheet.name!r} points to {sheet.target}, which is "
                                   "missing from the package (missing sheet part)")
    return sheet


def _workbook(source: Path, archive: zipfile.ZipFile) -> workbook_part.Workbook:
    try:
        return workbook_part.read_workbook(archive)
    except workbook_part.WorkbookError as exc:
        raise PackageError(source, f"{source}: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise PackageError(source, f"{source}: damaged workbook part ({exc})") from None


def _read(source: Path, archive: zipfile.ZipFile, part: str, inflated: zipcopy.Inflated | None = None) -> bytes:
    try:
        return inflated.read(archive, archive.getinfo(part)) if inflated is not None else archive.read(part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise PackageError(source, f"{source}: {part} is damaged ({exc})") from None
    except RuntimeError as exc:  # zipfile: "File … is encrypted, password required"
        raise PackageError(source, f"{source}: {part} cannot be read ({exc})") from None
    except NotImplementedError as exc:
        raise PackageError(source, f"{source}: {part} uses an unsupported compression ({exc})") from None


# ---------------------------------------------------------------------------------------------- the source

def _sniff(handle, source: Path) -> None:
    """Refuse what is not a zip package, and say what it is when that can be told."""
    head = handle.read(8)
    handle.seek(0)
    if head == CFB_SIGNATURE:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            if view.find(CFB_ENCRYPTION_INFO) >= 0 or view.find(CFB_ENCRYPTED_PACKAGE) >= 0:
                raise PackageError(source, f"{source}: encrypted workbook (password to open); kam-xl cannot "
                                           "write it — save it without a password, or recalculate it in Excel")
            if any(view.find(name) >= 0 for name in CFB_XLS_WORKBOOK):
                raise PackageError(source, f"{source}: an Excel 97-2003 workbook (.xls), not .xlsx/.xlsm — "
                                           "save it as .xlsx or .xlsm first")
        raise PackageError(source, f"{source}: an OLE2 compound file, not an Excel .xlsx/.xlsm workbook")
    if not head:
        raise PackageError(source, f"{source}: the file is empty")
    if head[:2] != b"PK":
        raise PackageError(source, f"{source}: not an Excel .xlsx/.xlsm workbook (no zip signature)")


def _open_zip(handle, source: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise PackageError(source, f"{source}: corrupt zip — not a readable workbook ({exc})") from None


# ---------------------------------------------------------------------------------------------- the output

def _write_atomically(source: Path, target: Path, handle, archive, replaced: dict[str, bytes],
                      stat: os.stat_result, *, in_place: bool, ahead: zipcopy.Ahead | None = None) -> None:
    folder = target.parent
    temp = None
    try:
        fd, name = tempfile.mkstemp(prefix=lock.temp_prefix(target) + f"{os.getpid()}.", dir=folder)
        temp = Path(name)
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            if replaced:
                zipcopy.copy_archive(handle, archive, replaced, out, ahead=ahead)
            else:  # out= with nothing to change: the same bytes
                handle.seek(0)
                while chunk := handle.read(zipcopy.CHUNK):
                    zipcopy._write(out, chunk)
            out.flush()
            os.fsync(out.fileno())
        _keep_permissions(temp, target if target.exists() and not in_place else source, stat)
        _verify(temp, archive, replaced, source, ahead)
        if in_place:
            now = os.stat(source)
            if (now.st_ino, now.st_size, now.st_mtime_ns) != (stat.st_ino, stat.st_size, stat.st_mtime_ns):
                raise PackageError(source, f"{source}: changed on disk while kam-xl was writing it (saved by "
                                           "someone else?); nothing written — run again")
        os.replace(temp, target)
        temp = None
        _fsync_folder(folder)
    except PackageError:
        raise
    except zipcopy.ZipCopyError as exc:
        raise PackageError(source, f"{source}: {exc}") from None
    except OSError as exc:
        raise _os_error(target, exc, "writing the new workbook failed") from None
    finally:
        if temp is not None:
            try:
                temp.unlink()
            except OSError:
                pass


def _keep_permissions(temp: Path, like: Path, stat: os.stat_result) -> None:
    """mkstemp creates 0600; give the new file the mode (and, as root, the owner) of the file it replaces."""
    try:
        reference = os.stat(like)
    except OSError:
        reference = stat
    os.chmod(temp, reference.st_mode & 0o7777)
    if os.geteuid() == 0:
        try:
            os.chown(temp, reference.st_uid, reference.st_gid)
        except OSError:
            pass


def _verify(temp: Path, archive: zipfile.ZipFile, replaced: dict[str, bytes], source: Path,
            ahead: zipcopy.Ahead | None = None) -> None:
    """Read the new archive's directory and every rewritten part back before it replaces anything. A part
    deflated ahead (and inflated back to its content there) is compared as the compressed bytes written."""
    taken = ahead.taken if ahead is not None else {}
    try:
        with zipfile.ZipFile(temp) as written, open(temp, "rb") as raw:
            if written.namelist() != archive.namelist():
                raise PackageError(source, f"{source}: the new archive lists other entries; nothing written")
            for name, content in replaced.items():
                if name in taken and taken[name][0] is content:
                    same = zipcopy.holds(raw, written.getinfo(name), *taken[name])
                else:
                    same = written.read(name) == content
                if not same:
                    raise PackageError(source, f"{source}: {name} did not read back; nothing written")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise PackageError(source, f"{source}: the new archive did not read back ({exc}); nothing written") \
            from None


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_leftovers(target: Path) -> list[str]:
    """Temp files of runs on ``target`` that were killed mid-write (we hold the lock: none is in use)."""
    prefix = lock.temp_prefix(target)
    pattern = re.compile(re.escape(prefix) + r"[0-9]+\.[A-Za-z0-9_]+")
    removed = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if pattern.fullmatch(name):
            try:
                os.unlink(target.parent / name)
                removed.append(name)
            except OSError:
                pass
    return removed


def _os_error(path: Path, exc: OSError, doing: str) -> PackageError:
    folder = path.parent
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        what = f"cannot write in {folder} (permission denied): read-only folder or file"
    elif exc.errno == errno.ENOSPC:
        what = "disk full while writing the new workbook"
    elif exc.errno == errno.EDQUOT:
        what = "disk quota exceeded while writing the new workbook"
    elif exc.errno == errno.EROFS:
        what = f"{folder} is on a read-only file system"
    else:
        what = f"{doing} ({exc.strerror or exc})"
    return PackageError(path, f"{path}: {what}; the original is unchanged")
