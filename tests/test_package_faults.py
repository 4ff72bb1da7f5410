"""What happens when writing cached values goes wrong: the original stays byte-identical, no temp file is left
(except after kill -9, where the next run removes it), and PackageError says in one line what happened.

The tests run as root in CI, and chmod does not stop root: a read-only folder is simulated by making the
creation of the temp file (or the final rename) raise PermissionError; a real read-only folder is tested
too when the tests do not run as root. A full disk is simulated by making the archive writer raise ENOSPC.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from kam_xl.package import (
    PackageError,
    check_package,
    workbook_lock,
    write_values,
    writer,
    zipcopy,
)
from kam_xl.package.lock import LOCK_PREFIX, TEMP_PREFIX
from kam_xl.package.names import CFB_SIGNATURE

ROOT = Path(__file__).resolve().parents[1]
VALUES = {"Data": {"B1": 42, "B2": "forty-two"}}


def book(folder: Path, name: str = "book.xlsx", rows: int = 10) -> Path:
    path = folder / name
    workbook = xlsxwriter.Workbook(str(path))
    data = workbook.add_worksheet("Data")
    for row in range(rows):
        data.write_number(row, 0, row)
        data.write_formula(row, 1, f"=A{row + 1}*2", None, row * 2)
    workbook.add_worksheet("Other")
    workbook.close()
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith((TEMP_PREFIX, LOCK_PREFIX)))


def assert_refused(path: Path, match: str, values=VALUES, **kwargs) -> PackageError:
    original = path.read_bytes()
    with pytest.raises(PackageError, match=match) as caught:
        write_values(path, values, all_computed=True, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message  # one line, naming the file
    assert path.read_bytes() == original
    assert leftovers(path.parent) == []
    return caught.value


# ---------------------------------------------------------------------------------------------- not a workbook

def test_corrupt_zip(tmp_path):
    path = book(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut off, central directory lost
    assert_refused(path, "corrupt zip")


def test_damaged_sheet_part(tmp_path):
    path = book(tmp_path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    path.write_bytes(bytes(data))
    assert_refused(path, r"xl/worksheets/sheet1.xml is damaged")


def cfb(*stream_names: str) -> bytes:
    """Bytes shaped like a compound file: the signature, then directory entries' UTF-16LE names."""
    body = b"".join(name.encode("utf-16-le").ljust(64, b"\0") for name in stream_names)
    return CFB_SIGNATURE + bytes(504) + body + bytes(1024)


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(cfb("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    assert_refused(path, "encrypted workbook")


def test_xls_is_told_apart_from_an_encrypted_workbook(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(cfb("Root Entry", "Workbook", "\x05SummaryInformation"))
    assert_refused(path, r"Excel 97-2003 workbook \(\.xls\)")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_real_xls_saved_by_libreoffice(tmp_path):
    source = book(tmp_path, "source.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xls", "--outdir", str(tmp_path / "xls"), str(source)],
                   check=True, capture_output=True, timeout=180)
    path = tmp_path / "xls" / "source.xls"
    assert path.read_bytes()[:8] == CFB_SIGNATURE
    assert_refused(path, r"Excel 97-2003 workbook \(\.xls\)")


@pytest.mark.parametrize("content, match", [(b"", "the file is empty"), (b"name,amount\n", "no zip signature")])
def test_not_a_workbook(tmp_path, content, match):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    assert_refused(path, match)


def test_missing_sheet_part(tmp_path):
    source = book(tmp_path, "source.xlsx")
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, src.read(info))
    assert_refused(path, r"sheet 'Data' points to worksheets/sheet1.xml, which is missing .*missing sheet part")
    with pytest.raises(PackageError, match="missing sheet part"):
        check_package(path)


def test_unknown_sheet_name(tmp_path):
    path = book(tmp_path)
    assert_refused(path, r"no sheet named 'Nope' \(the workbook has 'Data', 'Other'\)", values={"Nope": {"A1": 1}})


def test_binary_workbook(tmp_path):
    path = tmp_path / "book.xlsb"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'relationships"><Relationship Id="rId1" Type="{rel}" Target="xl/workbook.bin"/>'
                         "</Relationships>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert_refused(path, r"binary workbook \(\.xlsb\)")


@pytest.mark.parametrize("cells, match", [
    ({"B1": float("nan")}, r"cell 'B1': nan is not a number Excel can store"),
    ({"B1": object()}, r"cell 'B1': cannot store a object"),
    ({"B0": 1}, r"'B0' lies outside the sheet"),
    ({"1B": 1}, r"'1B' is not a cell reference"),
    ({"B1": 1, "b1": 2}, r"cell 'b1' is given twice"),
])
def test_values_that_cannot_be_stored(tmp_path, cells, match):
    assert_refused(book(tmp_path), match, values={"Data": cells})


# ---------------------------------------------------------------------------------------------- the file system

def test_read_only_folder_simulated_at_the_temp_file(tmp_path, monkeypatch):
    """Simulated: as root, chmod 555 would not stop the write (see the module docstring)."""
    path = book(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(writer.tempfile, "mkstemp", refuse)
    assert_refused(path, r"cannot write in .* \(permission denied\): read-only folder or file; the original is unchanged")


def test_read_only_target_simulated_at_the_rename(tmp_path, monkeypatch):
    path = book(tmp_path)

    def refuse(src, dst):
        raise PermissionError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr(writer.os, "replace", refuse)
    assert_refused(path, r"permission denied")  # and the finished temp file is removed


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions; simulated above")
def test_read_only_folder_for_real(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = book(folder)
    folder.chmod(0o555)
    try:
        assert_refused(path, "permission denied")
    finally:
        folder.chmod(0o755)


def test_disk_full(tmp_path, monkeypatch):
    path = book(tmp_path, rows=2000)
    real, written = zipcopy._write, [0]

    def fill_up(out, data):
        if written[0] > 5000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        real(out, data)

    monkeypatch.setattr(zipcopy, "_write", fill_up)
    assert_refused(path, "disk full while writing the new workbook; the original is unchanged")


def test_file_changed_by_someone_else_while_writing(tmp_path, monkeypatch):
    path = book(tmp_path)
    real = writer._verify

    def meanwhile(temp, archive, replaced, source, ahead=None):
        real(temp, archive, replaced, source, ahead)
        os.utime(source, ns=(1, 1))  # a user saved the workbook over the network

    monkeypatch.setattr(writer, "_verify", meanwhile)
    original = path.read_bytes()
    with pytest.raises(PackageError, match="changed on disk while kam-xl was writing it"):
        write_values(path, VALUES, all_computed=True)
    assert path.read_bytes() == original and leftovers(tmp_path) == []


def test_symlinked_workbook_is_written_through_the_link_with_its_mode(tmp_path):
    path = book(tmp_path)
    path.chmod(0o640)
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    write_values(link, VALUES, all_computed=True)
    assert link.is_symlink() and path.stat().st_mode & 0o777 == 0o640
    with zipfile.ZipFile(path) as archive:
        assert b"<v>42</v>" in archive.read("xl/worksheets/sheet1.xml")


# ---------------------------------------------------------------------------------------------- processes

KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from kam_xl.package import write_values, zipcopy
    real, written = zipcopy._write, [0]
    def slow(out, data):
        real(out, data)
        written[0] += len(data)
        if written[0] > 20000:
            out.flush()
            print("MID-WRITE", flush=True)
            time.sleep(120)
    zipcopy._write = slow
    write_values(sys.argv[1], {"Data": {f"B{i}": i * 3 for i in range(1, 5001)}}, all_computed=True)
""")


def test_kill_9_in_the_middle_of_a_write(tmp_path):
    path = book(tmp_path, rows=5000)
    original = path.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "MID-WRITE", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == original
    # Left behind: the half-written temp file, recognisable by name, and the lock file (no longer locked).
    temp_files = [n for n in leftovers(tmp_path) if n.startswith(TEMP_PREFIX)]
    assert temp_files == [n for n in temp_files if n.startswith(f"{TEMP_PREFIX}book.xlsx.{child.pid}.")] != []
    assert (tmp_path / f"{LOCK_PREFIX}book.xlsx").exists()
    # The next run takes the stale lock over, removes the temp file and writes.
    report = write_values(path, VALUES, all_computed=True)
    assert report.written and report.temp_files_removed == temp_files
    assert report.lock_taken_over_from == child.pid
    assert leftovers(tmp_path) == []


LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from kam_xl.package import workbook_lock
    with workbook_lock(sys.argv[1]):
        print("LOCKED", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(path), str(seconds)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "LOCKED", child.stderr.read()
    return child


def test_a_second_run_refuses_while_the_first_writes(tmp_path):
    path = book(tmp_path)
    child = hold_lock(path, 30)
    try:
        original = path.read_bytes()
        with pytest.raises(PackageError, match=rf"{path} is being recalculated by another kam-xl run "
                                               rf"\(pid {child.pid}\); waited 0.2 s"):
            write_values(path, VALUES, all_computed=True, lock_timeout=0.2)
        assert path.read_bytes() == original
    finally:
        child.kill()
        child.wait()


def test_a_second_run_waits_for_the_first(tmp_path):
    path = book(tmp_path)
    started = time.monotonic()
    child = hold_lock(path, 1.0)
    try:
        report = write_values(path, VALUES, all_computed=True, lock_timeout=30)
    finally:
        child.wait(timeout=30)
    assert report.written and time.monotonic() - started >= 1.0
    assert report.lock_taken_over_from is None and leftovers(tmp_path) == []


def test_lock_is_reentrant_for_the_caller_that_holds_it(tmp_path):
    """The recalc command holds the lock over read, recalculation and write; write_values takes it again."""
    path = book(tmp_path)
    with workbook_lock(path, timeout=0):
        report = write_values(path, VALUES, all_computed=True, lock_timeout=0)
        assert report.written and (tmp_path / f"{LOCK_PREFIX}book.xlsx").exists()
    assert leftovers(tmp_path) == []
