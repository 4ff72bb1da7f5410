"""Hostile workbooks: zip bombs, zip directories that lie, parts over the size limit, DTDs, over-long text.

Each hostile file is answered quickly, in little memory, with one line naming the part and the limit, and is
left byte for byte as it was. The zip bomb is written by hand a block at a time (1 MiB of zeros deflates to
the same ~1 KiB block after every full flush), so a 3 GiB part costs the test 3 MiB and no time; its CRC is
left 0, as nothing may inflate it far enough to check one.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter

from kam_xl.cli import main
from kam_xl.package import write_values
from kam_xl.package.errors import PackageError
from kam_xl.package.limits import Limits, guard

SHEET = "xl/worksheets/sheet1.xml"
GiB, MiB = 1 << 30, 1 << 20
BOMB_SIZE = 3 * GiB
#: Runs a command and prints its exit code and the peak RSS (KiB) of its process tree, as JSON.
HARNESS = ("import json, resource, subprocess, sys\n"
           "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
           "print(json.dumps({'rc': run.returncode, 'out': run.stdout, 'err': run.stderr,\n"
           "                  'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")


def workbook(folder: Path, name: str = "book.xlsx", rows: int = 10, text: int = 0) -> Path:
    """A small workbook: numbers in A, formulas =A*2 in B; with ``text``, C1 holds that many characters and
    D1 doubles them (=C1&C1)."""
    path = folder / name
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("Data")
    for row in range(rows):
        data.write_number(row, 0, row)
        data.write_formula(row, 1, f"=A{row + 1}*2", None, row * 2)
    if text:
        data.write_string(0, 2, "x" * text)
        data.write_formula(0, 3, "=C1&C1", None, "")
    book.close()
    return path


def rezip(source: Path, target: Path, replaced: dict[str, tuple[bytes, int, int]] | None = None) -> Path:
    """``source``'s entries written by hand into ``target``, deflated; ``replaced`` maps an entry to (raw
    deflate data, stated uncompressed size, CRC), or to the name of a file holding that raw data."""
    replaced = replaced or {}
    with zipfile.ZipFile(source) as archive:
        entries = []
        for info in archive.infolist():
            if info.filename in replaced:
                entries.append((info.filename, *replaced[info.filename]))
            else:
                content = archive.read(info)
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                entries.append((info.filename, packer.compress(content) + packer.flush(), len(content),
                                zlib.crc32(content)))
    central, offset = [], 0
    with open(target, "wb") as out:
        for name, data, size, crc in entries:
            raw = name.encode()
            length = data.stat().st_size if isinstance(data, Path) else len(data)
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, length, size, len(raw), 0)
                      + raw)
            if isinstance(data, Path):
                with open(data, "rb") as chunks:
                    while block := chunks.read(MiB):
                        out.write(block)
            else:
                out.write(data)
            central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, length, size,
                                       len(raw), 0, 0, 0, 0, 0, offset) + raw)
            offset += 30 + len(raw) + length
        directory = b"".join(central)
        out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                                          len(directory), offset, 0))
    return target


def zeros_deflated(path: Path, size: int) -> Path:
    """Raw deflate data of ``size`` zero bytes (a multiple of 1 MiB), written a block at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(MiB)) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(bytes(MiB)) + packer.flush(zlib.Z_FULL_FLUSH) == block  # the same every time
    with open(path, "wb") as out:
        for _ in range(size // MiB):
            out.write(block)
        out.write(packer.flush())
    return path


@pytest.fixture(scope="module")
def bomb_data(tmp_path_factory) -> Path:
    return zeros_deflated(tmp_path_factory.mktemp("bomb") / "zeros.deflate", BOMB_SIZE)


def recalc(*args: str) -> dict:
    """``kam-xl recalc --json ARGS`` in a process of its own: exit code, report, stderr, peak memory (MiB)."""
    command = [sys.executable, "-m", "kam_xl.cli", "recalc", "--json", *args]
    run = json.loads(subprocess.run([sys.executable, "-c", HARNESS, *command], capture_output=True, text=True,
                                    check=True).stdout)
    report = json.loads(run["out"])["files"][0] if run["out"].strip() else {}
    return {"rc": run["rc"], "report": report, "err": run["err"], "peak_mib": run["peak_kib"] / 1024}


def assert_refused_fast(path: Path, *options: str, match: str) -> dict:
    """kam-xl recalc exits 2 within 2 s and 300 MB, with one line matching ``match``; the file is untouched."""
    before = path.read_bytes()
    run = recalc(str(path), *options)
    assert run["rc"] == 2, run["err"]
    problems = [line for line in run["err"].splitlines() if "could not process" in line]
    assert len(problems) == 1 and "Traceback" not in run["err"], run["err"]
    assert match in problems[0], problems[0]
    assert run["report"]["seconds"] < 2
    assert run["peak_mib"] < 300
    assert path.read_bytes() == before
    return run


# ---------------------------------------------------------------------------------------------- zip bombs

def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_anything_is_inflated(tmp_path, bomb_data):
    bomb = rezip(workbook(tmp_path), tmp_path / "bomb.xlsx", {SHEET: (bomb_data, BOMB_SIZE, 0)})
    assert bomb.stat().st_size < 5 * MiB
    run = assert_refused_fast(bomb, match=f"{SHEET} is compressed 1,0")
    assert "(3 GiB), over the limit of 200 to 1 — a zip bomb? --max-ratio raises it" in run["err"]


def test_a_zip_bomb_within_a_raised_ratio_is_refused_by_its_size(tmp_path, bomb_data):
    bomb = rezip(workbook(tmp_path), tmp_path / "bomb.xlsx", {SHEET: (bomb_data, BOMB_SIZE, 0)})
    assert_refused_fast(bomb, "--max-ratio", "5000",
                        match=f"{SHEET} inflates to 3 GiB, over the limit of 256 MiB per part — --max-size raises it")


def test_a_directory_that_understates_a_part_stops_the_inflating_at_the_size_it_states(tmp_path, bomb_data):
    liar = rezip(workbook(tmp_path), tmp_path / "liar.xlsx", {SHEET: (bomb_data, 1000, 0)})
    with zipfile.ZipFile(liar) as archive:
        assert archive.getinfo(SHEET).file_size == 1000  # the directory says 1,000 bytes
    assert_refused_fast(liar, match=f"{SHEET} inflates past the 1,000 bytes its zip directory states")


def test_a_directory_that_overstates_a_part_is_refused_as_damaged(tmp_path):
    source = workbook(tmp_path)
    with zipfile.ZipFile(source) as archive:
        content = archive.read(SHEET)
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    short = rezip(source, tmp_path / "short.xlsx",
                  {SHEET: (packer.compress(content) + packer.flush(), len(content) + 5, zlib.crc32(content))})
    with pytest.raises(PackageError, match=f"{SHEET} inflates to {len(content):,} bytes, short of the "):
        guard(short)


# ---------------------------------------------------------------------------------------------- size limits

def test_a_part_over_the_size_limit_is_refused_and_max_size_lets_it_through(tmp_path):
    big = workbook(tmp_path, rows=15_000)
    with zipfile.ZipFile(big) as archive:
        assert 1 * MiB < archive.getinfo(SHEET).file_size < 4 * MiB
    run = assert_refused_fast(big, "--max-size", "1M", match=f"{SHEET} inflates to ")
    assert "over the limit of 1 MiB per part — --max-size raises it, if the workbook is genuine" in run["err"]
    assert recalc(str(big), "--max-size", "4M")["rc"] == 0


def test_parts_over_the_total_limit_together_are_refused(tmp_path):
    path = tmp_path / "three.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name in ("A", "B", "C"):
        sheet = book.add_worksheet(name)
        for row in range(9_000):
            sheet.write_number(row, 0, row)
            sheet.write_number(row, 1, row * 2)
    book.close()
    with pytest.raises(PackageError, match=r"its parts inflate to 2\.\d+ MiB in all, over the limit of 2 MiB "
                                           r"\(twice --max-size\)"):
        guard(path, Limits(part=MiB))
    guard(path, Limits(part=2 * MiB))


def test_the_10k_customer_demo_workbook_passes_the_default_limits(tmp_path):
    """The demo's parts (88 MiB in all, the largest 45 MiB, compressed 5-12 to 1) scaled from a smaller
    build: the transactions sheet grows linearly with the lines, the ratio stays."""
    assert main(["demo", "--customers", "500", "--seed", "5", "--workbook", str(tmp_path / "demo.xlsm"),
                 "--out", str(tmp_path / "data")]) == 0
    guard(tmp_path / "demo.xlsm")
    with zipfile.ZipFile(tmp_path / "demo.xlsm") as archive:
        worst = max(i.file_size / i.compress_size for i in archive.infolist() if i.file_size > MiB)
        largest = max(i.file_size for i in archive.infolist())
        total = sum(i.file_size for i in archive.infolist())
    assert worst < Limits().ratio / 10
    assert largest * 20 < Limits().part and total * 20 < Limits().total  # 10,000 customers: 20 times the size


@pytest.mark.parametrize("text, size", [("512M", 512 * MiB), ("2G", 2 * GiB), ("1.5GB", 3 * GiB // 2),
                                        ("300000000", 300_000_000)])
def test_max_size_reads_units(text, size):
    from kam_xl.package.limits import parse_size

    assert parse_size(text) == size


def test_a_bad_max_size_exits_2_with_one_line(tmp_path, capsys):
    assert main(["recalc", str(workbook(tmp_path)), "--max-size", "lots"]) == 2
    assert "--max-size: expected a size like 512M or 2G, found 'lots'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- DTDs

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + ']>\n')


def with_prolog(source: Path, target: Path, part: str, prolog: str, encoding: str = "utf-8") -> Path:
    """``source`` with ``prolog`` put in front of ``part``'s root element (its XML declaration replaced)."""
    with zipfile.ZipFile(source) as archive:
        xml = archive.read(part).decode()
    root = xml[xml.index("?>") + 2:].lstrip() if xml.startswith("<?xml") else xml
    content = (prolog + root).encode(encoding)
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return rezip(source, target, {part: (packer.compress(content) + packer.flush(), len(content),
                                         zlib.crc32(content))})


def test_a_sheet_declaring_entities_is_refused_before_anything_parses_it(tmp_path):
    hostile = with_prolog(workbook(tmp_path), tmp_path / "laughs.xlsx", SHEET, LAUGHS)
    assert_refused_fast(hostile, match=f"{SHEET} declares a DTD (<!DOCTYPE or <!ENTITY)")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                                  "xl/styles.xml"])
@pytest.mark.parametrize("prolog, encoding", [
    (LAUGHS, "utf-8"),
    ('<?xml version="1.0" encoding="UTF-16"?>' + LAUGHS.split("\n", 1)[1], "utf-16"),  # with a BOM
    ('<?xml version="1.0"?><!-- <r/> --><?pi <x/>?>\n  <!DOCTYPE r SYSTEM "http://example.com/x.dtd">', "utf-8"),
    ('\ufeff<!doctype r [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "utf-8"),
])
def test_a_dtd_in_any_part_any_encoding_after_comments_is_refused(tmp_path, part, prolog, encoding):
    hostile = with_prolog(workbook(tmp_path), tmp_path / "dtd.xlsx", part, prolog, encoding)
    with pytest.raises(PackageError, match=re.escape(f"{part} declares a DTD")):
        guard(hostile)


def test_markup_declarations_after_the_root_element_are_not_a_prolog(tmp_path):
    """Only the prolog can declare entities: a "<!DOCTYPE" in a cell's text or a CDATA section is content."""
    path = tmp_path / "text.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Data").write_string(0, 0, '<!DOCTYPE x [<!ENTITY y "z">]>')
    book.close()
    guard(path)


def test_the_refresh_macro_refuses_a_hostile_workbook_in_one_line(tmp_path):
    hostile = with_prolog(workbook(tmp_path, name="book.xlsm"), tmp_path / "laughs.xlsm", SHEET, LAUGHS)
    before = hostile.read_bytes()
    run = subprocess.run([sys.executable, "-c", "import kam_xl.macros as m; m.refresh()"], capture_output=True,
                         text=True, env={**os.environ, "KAM_XL_WORKBOOK": str(hostile)}, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr and run.stdout == ""
    assert f"{SHEET} declares a DTD" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert hostile.read_bytes() == before


# ---------------------------------------------------------------------------------------------- one cell

def test_a_text_result_over_32767_characters_is_value_error_in_its_cell_not_a_failed_file(tmp_path):
    source = workbook(tmp_path, text=20_000)
    before = source.read_bytes()
    run = recalc(str(source), "--out", str(tmp_path / "out"))
    assert run["rc"] == 1, run["err"]
    assert run["report"]["errors"] == {"#VALUE!": 1}
    assert "Data!D1: text of 40,000 characters, over the 32,767 a cell holds: #VALUE!" in run["err"]
    assert run["report"]["seconds"] < 2 and run["peak_mib"] < 300
    assert source.read_bytes() == before
    with zipfile.ZipFile(tmp_path / "out" / "book.xlsx") as archive:
        xml = archive.read(SHEET).decode()
    assert '<c r="D1" t="e"><f>C1&amp;C1</f><v>#VALUE!</v></c>' in xml
    assert '<c r="B10"><f>A10*2</f><v>18</v></c>' in xml


def test_write_values_stores_over_long_text_as_value_error(tmp_path):
    path = workbook(tmp_path)
    report = write_values(path, {"Data": {"B1": "x" * 32768, "B2": "y" * 32767}}, all_computed=True)
    assert report.errors_stored_as_value == 1
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(SHEET).decode()
    assert '<c r="B1" t="e"><f>A1*2</f><v>#VALUE!</v></c>' in xml
    assert f'<c r="B2" t="str"><f>A2*2</f><v>{"y" * 32767}</v></c>' in xml


# ---------------------------------------------------------------------------------------------- other readers

def test_analyze_refuses_a_hostile_workbook_before_calamine_reads_it(tmp_path, bomb_data, capsys):
    bomb = rezip(workbook(tmp_path), tmp_path / "bomb.xlsx", {SHEET: (bomb_data, BOMB_SIZE, 0)})
    liar = rezip(workbook(tmp_path), tmp_path / "liar.xlsx", {SHEET: (bomb_data, 1000, 0)})
    laughs = with_prolog(workbook(tmp_path), tmp_path / "laughs.xlsx", SHEET, LAUGHS)
    for path, options, said in ((bomb, [], "over the limit of 200 to 1 — a zip bomb?"),
                                (bomb, ["--max-ratio", "5000", "--max-size", "1G"],
                                 "over the limit of 1 GiB per part — --max-size raises it"),
                                (liar, [], "inflates past the 1,000 bytes its zip directory states"),
                                (laughs, [], "declares a DTD")):
        assert main(["analyze", str(path), *options]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"{path}: refused, {SHEET} " in err and said in err, err


def test_import_and_dossier_refuse_a_hostile_workbook_before_anything_reads_it(tmp_path, bomb_data, capsys):
    liar = rezip(workbook(tmp_path), tmp_path / "liar.xlsx", {SHEET: (bomb_data, 1000, 0)})
    laughs = with_prolog(workbook(tmp_path), tmp_path / "laughs.xlsx", SHEET, LAUGHS)
    export = tmp_path / "export.csv"
    export.write_text("Date;Customer;Amount\n01.02.2025;C1;1,50\n", encoding="utf-8")
    for path, said in ((liar, "inflates past the 1,000 bytes its zip directory states"), (laughs, "declares a DTD")):
        before = path.read_bytes()
        for command in (["import", str(path), str(export)], ["dossier", str(path), "--customer", "C1"]):
            assert main(command) == 2
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and f"{path}: refused, {SHEET} " in err and said in err, err
        assert path.read_bytes() == before


def test_kam_xl_parses_no_part_declaring_a_dtd_even_without_the_guard(tmp_path):
    from kam_xl.errors import InputError
    from kam_xl.package import check_package
    from kam_xl.recalc.engine import recalculate

    laughs = with_prolog(workbook(tmp_path), tmp_path / "laughs.xlsx", "xl/workbook.xml", LAUGHS)
    with pytest.raises(PackageError, match=re.escape("xl/workbook.xml declares a DTD")):
        check_package(laughs)
    with pytest.raises(PackageError, match=re.escape("xl/workbook.xml declares a DTD")):
        write_values(laughs, {"Data": {"B1": 1}}, all_computed=True)
    with pytest.raises(InputError, match=re.escape("xl/workbook.xml declares a DTD")):
        recalculate(laughs.read_bytes())


def test_an_svg_image_with_a_doctype_is_copied_not_refused(tmp_path):
    """Drawing programs write SVG with a DOCTYPE; kam_xl copies media as bytes and never parses them."""
    source = workbook(tmp_path)
    target = tmp_path / "with-svg.xlsx"
    svg = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        new.writestr("xl/media/image1.svg", svg)
    guard(target)  # no PackageError
    assert main(["recalc", str(target)]) == 0
    with zipfile.ZipFile(target) as z:
        assert z.read("xl/media/image1.svg") == svg
