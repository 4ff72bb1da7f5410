"""LibreOffice prints the Dossier sheet (snapshot build) and every print copy of `kam-xl dossier --key-accounts`
on one A4 portrait page each."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tools

from kam_xl import demo
from kam_xl.commands.dossier import write_key_account_dossiers
from kam_xl.template.workbook import build_workbook


@pytest.fixture(autouse=True)
def _libreoffice():
    require_tools("soffice", "pdftotext", "pdfinfo", install="libreoffice-calc-nogui poppler-utils")


def _pdf(book: Path, env: dict[str, str]) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation={(book.parent / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(book.parent), str(book)],
                   capture_output=True, timeout=600, env=env)
    pdf = book.with_suffix(".pdf")
    assert pdf.is_file()
    return pdf


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [" ".join(subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"],
                                    capture_output=True, text=True, check=True).stdout.split())
            for p in range(1, count + 1)]


def test_dossier_sheet_of_a_key_account_prints_on_one_page_with_every_section(tmp_path, ci_fonts_env):
    book = build_workbook(tmp_path / "KeyAccounts.xlsm", demo.generate(40, seed=7), snapshot=True,
                          dossier_customer="C00002")
    pages = [p for p in _pages(_pdf(book, ci_fonts_env)) if "Customer dossier" in p]
    assert len(pages) == 1
    for text in ("LFE Elektrotechnik", "2 Relationship history", "Tenders", "3 Decision-making system",
                 "4 Competitors", "Nordmann Industrie"):
        assert text in pages[0]


def test_every_key_account_copy_prints_on_one_page(tmp_path, ci_fonts_env):
    book = build_workbook(tmp_path / "demo.xlsm", demo.generate(40, seed=7))
    out = tmp_path / "DOSSIERS.xlsx"
    count = write_key_account_dossiers(book, out)
    pages = _pages(_pdf(out, ci_fonts_env))
    assert len(pages) == count > 0
    assert all("Customer dossier" in p and "4 Competitors" in p for p in pages)
