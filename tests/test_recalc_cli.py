"""`kam-xl recalc` end to end: the demo workbook recalculated headless equals `kam-xl analyze`, nothing else in
the file changes, batches and faults end with the documented exit codes and the originals intact."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from kam_xl.cli import main
from kam_xl.core.schema import ANALYSIS_COLUMNS
from kam_xl.package import write_values

AS_OF = "2026-09-30"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo workbook (300 customers) with the Analysis results wiped, and the CSVs it was made from."""
    folder = tmp_path_factory.mktemp("recalc")
    assert main(["demo", "--customers", "300", "--seed", "3", "--out", str(folder / "data"),
                 "--workbook", str(folder / "demo.xlsm")]) == 0
    book = folder / "demo.xlsm"
    cells = _analysis_cells(book)
    write_values(book, {"Analysis": {ref: None for ref in cells}}, all_computed=False)
    assert _read_analysis(book)["revenue"].isna().all()  # really wiped
    return folder


def _analysis_cells(book: Path) -> list[str]:
    ws = openpyxl.load_workbook(book, read_only=True)["Analysis"]
    return [c.coordinate for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]


def _read_analysis(book: Path) -> pd.DataFrame:
    ws = openpyxl.load_workbook(book, data_only=True, read_only=True)["Analysis"]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=ANALYSIS_COLUMNS)


def _blank(value):
    """Empty text, None and NaN all mean an empty cell."""
    return "" if value is None or (isinstance(value, float) and value != value) else value


def _entries(book: Path) -> dict[str, tuple]:
    with zipfile.ZipFile(book) as z:
        return {i.filename: (z.read(i.filename), i.CRC, i.compress_size, i.date_time, i.compress_type)
                for i in z.infolist()}


def _without_values(xml: bytes) -> bytes:
    """Sheet XML without cached values and their types; an empty cell <c .../> written as <c ...></c> when a
    value goes in counts as the same bytes."""
    xml = re.sub(rb' t="[a-z]+"', b"", re.sub(rb"<v>[^<]*</v>|<v/>", b"", xml))
    return re.sub(rb"<c ([^>]*?)/>", rb"<c \1></c>", xml)


def test_recalc_fills_the_analysis_like_kam_xl_analyze(demo, capsys):
    book = demo / "demo.xlsm"
    before = _entries(book)
    assert main(["recalc", str(book), "--as-of", AS_OF]) == 0
    capsys.readouterr()

    got = _read_analysis(book)
    assert main(["analyze", str(demo / "data" / "transactions.csv"), "--customers", str(demo / "data" / "customers.csv"),
                 "--complaints", str(demo / "data" / "complaints.csv"), "--format", "json"]) == 0
    want = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert len(got) == len(want) == 300
    assert list(got["customer_id"]) == list(want["customer_id"])
    for col in ("abc", "xyz", "abc_xyz", "churn", "primary_type", "key_account", "purchase_days",
                "complaints_90d"):
        assert [_blank(v) for v in got[col]] == [_blank(v) for v in want[col]], col
    for col in ("revenue", "profit", "share", "cv", "interval_days", "p_alive"):
        money = col in ("revenue", "profit")  # analyze shows money to the cent, ratios to 6 significant digits
        pd.testing.assert_series_equal(got[col].astype(float), want[col].astype(float), check_names=False,
                                       rtol=0 if money else 5e-6, atol=0.005 if money else 1e-12)

    after = _entries(book)
    assert list(after) == list(before)  # same entries, same order
    for name, entry in before.items():
        if name.startswith("xl/worksheets/sheet"):
            assert _without_values(after[name][0]) == _without_values(entry[0]), name
        elif name == "xl/workbook.xml":
            assert after[name][0] == entry[0].replace(b' fullCalcOnLoad="1"', b"")
        else:
            assert after[name] == entry, name  # vbaProject.bin, customUI, charts, styles, tables ...


def test_every_formula_cell_has_a_value_after_recalc(demo):
    book = demo / "demo.xlsm"
    formulas = openpyxl.load_workbook(book)
    values = openpyxl.load_workbook(book, data_only=True)
    empty = [f"{ws.title}!{c.coordinate}" for ws in formulas.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")
             and values[ws.title][c.coordinate].value is None]
    assert empty == []
    assert b"fullCalcOnLoad" not in zipfile.ZipFile(book).read("xl/workbook.xml")


def test_a_second_run_finds_nothing_to_change(demo, capsys):
    book = demo / "demo.xlsm"
    before = book.read_bytes()
    assert main(["recalc", str(book), "--as-of", AS_OF, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert report["ok"] and not report["changed"]
    assert book.read_bytes() == before


def _native_book(path: Path, producer: str) -> Path:
    """A small workbook with native formulas, written by XlsxWriter, openpyxl or LibreOffice."""
    if producer == "openpyxl":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Data"
        for i in range(1, 6):
            ws.cell(i, 1, i * 10)
            ws.cell(i, 2, f"k{i % 2}")
        ws["D1"] = "=SUM(A1:A5)"
        ws["D2"] = '=SUMIFS(A1:A5,B1:B5,"k1")'
        ws["D3"] = '=IFERROR(1/0,"none")'
        ws["D4"] = "=UPPER(B1)&COUNTIF(B1:B5,\"k0\")"
        wb.save(path)
        return path
    xlsx = path if producer == "xlsxwriter" else path.with_name("lo-src.xlsx")
    wb = xlsxwriter.Workbook(xlsx)
    ws = wb.add_worksheet("Data")
    for i in range(5):
        ws.write_number(i, 0, (i + 1) * 10)
        ws.write_string(i, 1, f"k{(i + 1) % 2}")
    ws.write_formula("D1", "=SUM(A1:A5)")
    ws.write_formula("D2", '=SUMIFS(A1:A5,B1:B5,"k1")')
    ws.write_formula("D3", '=IFERROR(1/0,"none")')
    ws.write_formula("D4", '=UPPER(B1)&COUNTIF(B1:B5,"k0")')
    wb.close()
    if producer == "libreoffice":
        if shutil.which("soffice") is None:
            pytest.skip("soffice not installed")
        out = path.parent / "lo"
        subprocess.run(["soffice", f"-env:UserInstallation={(path.parent / 'profile').as_uri()}", "--headless",
                        "--convert-to", "xlsx", "--outdir", str(out), str(xlsx)], check=True, capture_output=True,
                       timeout=300)
        shutil.move(out / xlsx.name, path)
    return path


@pytest.mark.parametrize("producer", ["xlsxwriter", "openpyxl", "libreoffice"])
def test_files_from_other_producers_recalc_correctly(tmp_path, producer, capsys):
    book = _native_book(tmp_path / f"{producer}.xlsx", producer)
    assert main(["recalc", str(book)]) == 0, capsys.readouterr()
    ws = openpyxl.load_workbook(book, data_only=True)["Data"]
    assert [ws["D1"].value, ws["D2"].value, ws["D3"].value, ws["D4"].value] == [150, 90, "none", "K12"]


def test_shared_and_array_formulas_without_cached_cells_recalc_correctly(tmp_path, capsys):
    """Excel's habits: shared formulas (one master, children pointing at it), a legacy array formula, and
    formula cells with no cached value at all."""
    path = tmp_path / "excel-habits.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    for i in range(5):
        ws.write_number(i, 0, i + 1)
        ws.write_formula(i, 4, f"=A{i + 1}*2")
    ws.write_array_formula("G1:G1", "{=SUM(A1:A5*A1:A5)}")
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r'<c r="E1"([^>]*)><f>A1\*2</f><v>0</v></c>', r'<c r="E1"\1><f t="shared" ref="E1:E5" si="0">A1*2</f></c>',
                 xml)
    for row in range(2, 6):
        xml = re.sub(rf'<c r="E{row}"([^>]*)><f>A{row}\*2</f><v>0</v></c>', rf'<c r="E{row}"\1><f t="shared" si="0"/></c>',
                     xml)
    assert xml.count('t="shared"') == 5
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert main(["recalc", str(path)]) == 0, capsys.readouterr()
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count('t="shared"') == 5  # still shared
    ws = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert [ws.cell(r, 5).value for r in range(1, 6)] == [2, 4, 6, 8, 10]
    assert ws["G1"].value == 55


def test_batch_over_a_folder_into_out_leaves_originals_alone(demo, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        shutil.copy(demo / "demo.xlsm", folder / f"book{i}.xlsm")
    (folder / "notes.txt").write_text("not a workbook")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = tmp_path / "out"
    assert main(["recalc", str(folder), "--out", str(out), "--workers", "2", "--as-of", AS_OF]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["book0.xlsm", "book1.xlsm", "book2.xlsm"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert "3 files" in capsys.readouterr().out


def test_formula_errors_exit_1_and_are_counted(tmp_path, capsys):
    path = tmp_path / "errors.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=1/0")
    ws.write_formula("A2", "=NA()")
    ws.write_formula("A3", "=NOSUCHFUNCTION(1)")
    wb.close()
    assert main(["recalc", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert report["errors"]["#DIV/0!"] == 1 and report["errors"]["#N/A"] == 1
    assert report["unsupported"] == {"NOSUCHFUNCTION": 1}
    assert b"fullCalcOnLoad" in zipfile.ZipFile(path).read("xl/workbook.xml")  # Excel still recalculates


@pytest.mark.parametrize("kind, content, reason", [
    ("corrupt.xlsx", b"PK\x03\x04 this is not really a zip", "corrupt zip"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200 + "Workbook".encode("utf-16-le"), ".xls"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200 + "EncryptionInfo".encode("utf-16-le"),
     "encrypted"),
    ("empty.xlsx", b"", "empty"),
])
def test_bad_files_exit_2_name_the_reason_and_stay_as_they_were(tmp_path, capsys, kind, content, reason):
    good = _native_book(tmp_path / "good.xlsx", "xlsxwriter")
    bad = tmp_path / kind
    bad.write_bytes(content)
    assert main(["recalc", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert kind in err and reason in err and "Traceback" not in err
    assert bad.read_bytes() == content
    assert openpyxl.load_workbook(good, data_only=True)["Data"]["D1"].value == 150  # the good one still ran


def test_missing_sheet_part_is_refused_and_the_file_kept(tmp_path, capsys):
    good = _native_book(tmp_path / "good.xlsx", "xlsxwriter")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
    before = broken.read_bytes()
    assert main(["recalc", str(broken)]) == 2
    assert "sheet1.xml" in capsys.readouterr().err
    assert broken.read_bytes() == before


def test_bad_options_exit_2_with_one_line(tmp_path, capsys):
    book = _native_book(tmp_path / "b.xlsx", "xlsxwriter")
    assert main(["recalc", str(book), "--as-of", "30.09.2026"]) == 2
    assert main(["recalc", str(book), "--workers", "0"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("kam-xl recalc:") for line in lines)


def test_a_missing_path_is_one_more_failed_file_and_the_others_are_processed(tmp_path, capsys):
    good = _native_book(tmp_path / "good.xlsx", "xlsxwriter")
    missing, no_match = tmp_path / "missing.xlsx", str(tmp_path / "*.xlsm")
    assert main(["recalc", str(good), str(missing), no_match, "--json"]) == 2
    captured = capsys.readouterr()
    files = {Path(f["path"]).name: f for f in json.loads(captured.out)["files"]}
    assert files["good.xlsx"]["ok"] and files["good.xlsx"]["changed"]
    assert (files["missing.xlsx"]["ok"], files["missing.xlsx"]["reason"]) == (False, "no such file or folder")
    assert files["*.xlsm"]["reason"] == "no .xlsx or .xlsm file matches"
    assert f"could not process {missing}: no such file or folder" in captured.err
    assert openpyxl.load_workbook(good, data_only=True)["Data"]["D1"].value == 150
    assert main(["recalc", str(missing)]) == 2
    assert "missing.xlsx" in capsys.readouterr().out  # named in the summary too


@pytest.mark.parametrize("spelling", ["{folder}", "{folder}/.", "{folder}/../{name}"])
def test_out_naming_the_files_own_folder_is_refused_and_the_file_kept(tmp_path, capsys, spelling):
    folder = tmp_path / "folder"
    folder.mkdir()
    book = _native_book(folder / "book.xlsx", "xlsxwriter")
    before = book.read_bytes()
    out = spelling.format(folder=folder, name=folder.name)
    assert main(["recalc", str(book), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "would overwrite the file itself; leave out --out to recalculate in place" in err
    assert "Traceback" not in err and book.read_bytes() == before


def test_a_folder_run_names_what_it_skips_and_recursive_takes_subfolders(tmp_path, capsys):
    folder = tmp_path / "in"
    (folder / "2025").mkdir(parents=True)
    _native_book(folder / "top.xlsx", "xlsxwriter")
    _native_book(folder / "2025" / "deep.xlsx", "xlsxwriter")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200)
    (folder / "~$gone.xlsx").write_bytes(b"owner file of a workbook elsewhere")  # not a workbook: skipped silently
    (folder / "notes.txt").write_text("not a workbook")
    assert main(["recalc", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    assert [Path(f["path"]).name for f in json.loads(captured.out)["files"]] == ["top.xlsx"]
    assert f"skipped {folder / 'old.xls'}: an Excel 97-2003 workbook (.xls), which kam-xl cannot write: save it " \
           "as .xlsx to recalculate it" in captured.err
    assert f"skipped {folder / '2025'}: a subfolder: add --recursive" in captured.err
    assert {Path(s["path"]).name for s in json.loads(captured.out)["skipped"]} == {"old.xls", "2025"}
    assert "~$" not in captured.err and "notes" not in captured.err

    out = tmp_path / "out"
    assert main(["recalc", str(folder), "--recursive", "--out", str(out)]) == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.xlsx")) == ["2025/deep.xlsx", "top.xlsx"]
    assert "2025" not in capsys.readouterr().err


def test_a_formula_cell_not_computed_keeps_its_value_is_listed_and_exits_1(tmp_path, capsys):
    path = tmp_path / "partly.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=NOSUCHFUNCTION(1)", None, 42)
    ws.write_formula("A2", "=IFERROR(NOSUCHFUNCTION(2),0)", None, 7)
    ws.write_formula("A3", "=A3+1", None, 5)  # circular: the engine's #CIRC!
    ws.write_formula("A4", "=1+1", None, 0)
    wb.close()
    assert main(["recalc", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)["files"][0]
    assert sorted(report["not_computed"]) == ["S!A1: unsupported: NOSUCHFUNCTION",
                                              "S!A2: unsupported: NOSUCHFUNCTION", "S!A3: #CIRC!"]
    assert "partly.xlsx: not computed, value kept: S!A3: #CIRC!" in captured.err
    values = openpyxl.load_workbook(path, data_only=True)["S"]
    assert [values[c].value for c in ("A1", "A2", "A3", "A4")] == [42, 7, 5, 2]
    assert b"fullCalcOnLoad" in zipfile.ZipFile(path).read("xl/workbook.xml")  # Excel recalculates on open


def test_a_second_concurrent_run_waits_or_refuses_clearly(tmp_path):
    book = _native_book(tmp_path / "busy.xlsx", "xlsxwriter")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from kam_xl.package import workbook_lock\n"
        f"with workbook_lock({str(book)!r}):\n    print('locked', flush=True); time.sleep(8)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = book.read_bytes()
        out = subprocess.run([sys.executable, "-m", "kam_xl.cli", "recalc", str(book), "--lock-timeout", "0.5"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2
        assert "another kam-xl run" in out.stderr and "Traceback" not in out.stderr
        assert book.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


def test_xlsm_parts_survive_byte_for_byte(demo):
    """vbaProject.bin and the ribbon travel unchanged (also covered entry by entry above)."""
    with zipfile.ZipFile(demo / "demo.xlsm") as z, zipfile.ZipFile(io.BytesIO(
            (Path(__file__).resolve().parents[1] / "workbook" / "KeyAccounts.xlsm").read_bytes())) as template:
        assert z.read("xl/vbaProject.bin") == template.read("xl/vbaProject.bin")
        assert z.read("customUI/customUI14.xml") == template.read("customUI/customUI14.xml")


def _crashing_recalc_file(path, *args, **kwargs):
    """Stands in for recalc_file in the workers: dies like a crashed process on files named crash*."""
    import os

    from kam_xl.recalc import batch

    if Path(path).name.startswith("crash"):
        os._exit(70)
    return batch._real_recalc_file(path, *args, **kwargs)


def test_a_crashing_worker_costs_only_its_own_file(tmp_path, monkeypatch, capsys):
    from kam_xl.recalc import batch

    books = [_native_book(tmp_path / name, "xlsxwriter") for name in ("a.xlsx", "crash.xlsx", "c.xlsx")]
    before = books[1].read_bytes()
    monkeypatch.setattr(batch, "_real_recalc_file", batch.recalc_file, raising=False)
    monkeypatch.setattr(batch, "recalc_file", _crashing_recalc_file)  # workers are forked: they see it too
    assert main(["recalc", *map(str, books), "--workers", "2", "--json"]) == 2
    reports = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["files"]}
    assert reports["a.xlsx"]["ok"] and reports["c.xlsx"]["ok"]
    assert not reports["crash.xlsx"]["ok"] and "process died" in reports["crash.xlsx"]["reason"]
    assert books[1].read_bytes() == before


def test_a_real_password_protected_workbook_is_refused_and_kept(tmp_path, capsys):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _native_book(tmp_path / "plain.xlsx", "xlsxwriter")
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    before = locked.read_bytes()
    assert main(["recalc", str(locked)]) == 2
    assert "encrypted workbook (password to open)" in " ".join(capsys.readouterr().err.split())
    assert locked.read_bytes() == before
    assert main(["analyze", str(locked)]) == 2
    assert "password-protected" in capsys.readouterr().err
