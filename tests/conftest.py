"""Shared test switches, and the fonts the render tests may see."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: The font files of the packages .ci/run installs, and only those: fonts-crosextra-carlito (Calibri's
#: metrics), fonts-liberation2 (Arial's, Times New Roman's, Courier New's), fonts-dejavu-core (fallback).
#: Files, not folders: other packages put fonts into the same folders (Caladea, DejaVu Condensed ...).
CI_FONT_DIR = Path("/usr/share/fonts/truetype")
CI_FONTS = {
    "fonts-crosextra-carlito": ["crosextra/Carlito-*.ttf"],
    "fonts-liberation2": ["liberation2/Liberation*.ttf"],
    "fonts-dejavu-core": [f"dejavu/DejaVu{face}.ttf" for face in (
        "Sans", "Sans-Bold", "SansMono", "SansMono-Bold", "Serif", "Serif-Bold")],
}

#: fontconfig's own family rules (Consolas -> monospace, Calibri -> Carlito ...), without its font folders
#: and without the user's or the machine's local configuration.
FONTCONFIG_RULES = "/etc/fonts/conf.d"
FAMILY_RULES = ("30-metric-aliases.conf", "45-generic.conf", "45-latin.conf", "49-sansserif.conf",
                "60-generic.conf", "60-latin.conf")


def require_tools(*tools: str, install: str) -> None:
    """Skip when a tool is missing, or fail when CI demands it (KAM_XL_REQUIRE_LIBREOFFICE=1)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        _skip_or_fail(f"{', '.join(missing)} not installed: apt-get install {install}")


@pytest.fixture(scope="session")
def ci_fonts_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a LibreOffice subprocess that sees only the CI fonts, whatever else the machine has.

    fontconfig reads FONTCONFIG_FILE instead of /etc/fonts/fonts.conf: one font folder (links to the CI
    font files), a cache in a temporary folder and the family rules, so page breaks come out the same on
    every machine.
    """
    folder = tmp_path_factory.mktemp("ci-fonts")
    fonts = folder / "fonts"
    fonts.mkdir()
    missing = []
    for package, patterns in CI_FONTS.items():
        files = [f for pattern in patterns for f in sorted(CI_FONT_DIR.glob(pattern))]
        if len(files) < len(patterns):
            missing.append(package)
        for file in files:
            (fonts / file.name).symlink_to(file)
    if missing:
        _skip_or_fail(f"fonts not installed: apt-get install {' '.join(missing)}")
    rules = "".join(f'  <include ignore_missing="yes">{FONTCONFIG_RULES}/{name}</include>\n' for name in FAMILY_RULES)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{fonts}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n{rules}</fontconfig>\n",
        encoding="utf-8")
    return dict(os.environ, FONTCONFIG_FILE=str(config))


@pytest.fixture(scope="session")
def foreign(tmp_path_factory, ci_fonts_env) -> dict:
    """The five workbooks kam_xl did not write (tests/foreign_books.py), built once per session, by name:
    xlsxwriter, openpyxl, libreoffice, german, export. Read them; ``book.copy_to(tmp_path)`` before writing
    anything beside them. Needs LibreOffice with python3-uno (one of them is made by LibreOffice)."""
    require_tools("soffice", "pdftoppm", "pdftotext", install="libreoffice-calc-nogui python3-uno poppler-utils")
    if subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True).returncode:
        _skip_or_fail("python3-uno not installed: apt-get install python3-uno")
    import foreign_books

    return foreign_books.build_all(tmp_path_factory.mktemp("foreign-books"), ci_fonts_env)


def _skip_or_fail(message: str) -> None:
    if os.environ.get("KAM_XL_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(message + " (required: KAM_XL_REQUIRE_LIBREOFFICE=1)")
    pytest.skip(message)
