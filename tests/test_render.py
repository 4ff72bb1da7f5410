"""LibreOffice opens the built workbook and renders every visible sheet to PDF (pdftoppm turns pages into PNG).

A rendered page proves the sheets are laid out and printable, not that macros or cell functions run.
LibreOffice recalculates array formulas and formulas with table references on load, and knows none of
kam_xl's cell functions, so the pictures come from the snapshot build (cell-function results as values);
the real workbook is only checked to open and render.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tools

from kam_xl import demo
from kam_xl.template.workbook import build_workbook

TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdfinfo", "pdffonts", "fc-list")
#: Font families of the CI fonts (tests/conftest.py CI_FONTS): the only ones a rendered page may use.
CI_FAMILIES = {"Carlito", "Liberation Sans", "Liberation Serif", "Liberation Mono", "DejaVu Sans",
               "DejaVu Sans Mono", "DejaVu Serif"}


@pytest.fixture(autouse=True)
def _libreoffice():
    require_tools(*TOOLS, install="libreoffice-calc-nogui poppler-utils")


VISIBLE_SHEETS = ["About", "Customers", "Transactions", "Complaints", "Tenders", "Contacts", "Competitors",
                  "Prospects", "Analysis", "Matrix", "Dossier", "Win-back", "Data check", "Settings", "xlwings.conf"]
CUSTOMERS = 40


def to_pdf(workbook: Path, out_dir: Path, env: dict[str, str]) -> Path:
    """Render with a private LibreOffice profile, so parallel runs and other users' settings do not interfere,
    and with the fonts of ``env`` (the CI fonts), so page breaks do not depend on the machine."""
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(workbook)],
        capture_output=True, text=True, timeout=600, env=env)
    pdf = out_dir / (workbook.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice made no PDF: {result.stdout}\n{result.stderr}"
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_sheets(pdf: Path) -> list[str]:
    """Sheet of each page, read from the footer (sheet name bottom left)."""
    sheets = []
    for page in range(1, page_count(pdf) + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        names = [line.strip() for line in text.splitlines() if line.strip() in VISIBLE_SHEETS]
        sheets.append(names[-1] if names else "")
    return sheets


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, ci_fonts_env) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("render")
    workbook = build_workbook(folder / "KeyAccounts.xlsm", demo.generate(CUSTOMERS, seed=7), snapshot=True)
    pdf = to_pdf(workbook, folder, ci_fonts_env)
    return pdf, page_sheets(pdf)


def test_every_visible_sheet_renders_to_pdf_pages(rendered):
    pdf, sheets = rendered
    assert page_count(pdf) > 0
    assert [s for s in dict.fromkeys(sheets) if s] == VISIBLE_SHEETS
    assert "" not in sheets, "a page without a sheet footer"


def test_one_page_each_for_matrix_settings_about_and_xlwings_conf(rendered):
    _, sheets = rendered
    for sheet in ("About", "Matrix", "Settings", "xlwings.conf"):
        assert sheets.count(sheet) == 1, sheet


def test_the_render_sees_only_the_ci_fonts_whatever_else_the_machine_has(rendered, ci_fonts_env):
    listing = subprocess.run(["fc-list", "--format", "%{family[0]}\\n"], capture_output=True, text=True,
                             check=True, env=ci_fonts_env).stdout
    assert set(listing.split("\n")) - {""} == CI_FAMILIES
    pdf, _ = rendered
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    used = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]}
    assert used and all(font.startswith(tuple(f.replace(" ", "") for f in CI_FAMILIES)) for font in used), used


def test_rendered_sheets_show_no_formula_errors(rendered):
    pdf, _ = rendered
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for error in ("#NAME?", "#VALUE!", "#REF!", "#N/A", "Err:5"):
        assert error not in text, error
    assert "ABC-XYZ matrix" in text and "Key accounts" in text


def test_pages_become_png_images(rendered, tmp_path):
    pdf, sheets = rendered
    page = sheets.index("Matrix") + 1
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(tmp_path / "matrix")], check=True, timeout=120)
    image = tmp_path / "matrix.png"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.stat().st_size > 10_000


def test_the_real_workbook_opens_and_renders_too(tmp_path, ci_fonts_env):
    workbook = build_workbook(tmp_path / "KeyAccounts.xlsm", demo.generate(CUSTOMERS, seed=7))
    pdf = to_pdf(workbook, tmp_path, ci_fonts_env)
    assert page_count(pdf) > 0
