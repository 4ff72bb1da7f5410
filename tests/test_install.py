"""kam_xl installed from a wheel into a fresh venv, run outside the checkout: the workbook commands work.

The wheel is built from a copy of the sources (a build writes build/ and *.egg-info next to them), installed
with its dependencies into a new venv, and every command runs in a scratch folder, so nothing of the checkout
can stand in for what the package lacks. Built and installed once for the module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "kam_xl" / "template" / "src"
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                     ".hypothesis", "demo-data", "benchmarks", "docs")
COMMANDS = {
    "demo": ["demo", "--customers", "30", "--out", "d", "--workbook", "d/book.xlsm"],
    "out": ["build-workbook", "--out", "x.xlsm"],
    "default": ["build-workbook"],
    "check": ["build-workbook", "--check"],
}


def _run(*command, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Wheel, venv, site-packages before and after, and the result of each of COMMANDS run in a scratch folder."""
    base = tmp_path_factory.mktemp("install")
    shutil.copytree(ROOT, base / "sources", ignore=NOT_SOURCES)
    built = _run(sys.executable, "-m", "pip", "wheel", base / "sources", "--no-deps", "-w", base / "dist",
                 cwd=base)
    assert built.returncode == 0, built.stderr
    wheel, = (base / "dist").glob("kam_xl-*.whl")
    venv = base / "venv"
    made = _run(sys.executable, "-m", "venv", venv, cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    pip = _run(python, "-m", "pip", "install", wheel, cwd=base)
    assert pip.returncode == 0, pip.stderr
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     cwd=base).stdout.strip())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "KAM_XL_WORKBOOK")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # Python's own caches are not ours to count
    work = base / "work"
    work.mkdir()
    before = _files(site)
    located = _run(python, "-c", "import kam_xl; print(kam_xl.__file__)", cwd=work, env=env).stdout.strip()
    results = {name: _run(venv / "bin" / "kam-xl", *args, cwd=work, env=env) for name, args in COMMANDS.items()}
    return SimpleNamespace(wheel=wheel, site=site, work=work, kam_xl=Path(located), results=results,
                           before=before, after=_files(site))


def _assert_macro_workbook(path: Path) -> None:
    assert path.is_file()
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        names = package.namelist()
        assert "xl/vbaProject.bin" in names and "customUI/customUI14.xml" in names
        assert package.read("customUI/customUI14.xml") == (SOURCES / "customUI14.xml").read_bytes()


def test_wheel_carries_every_workbook_source_as_package_data(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {name for name in wheel.namelist() if name.startswith("kam_xl/template/src/")}
    expected = {f"kam_xl/template/src/{p.name}" for p in SOURCES.iterdir()}
    assert {"kam_xl/template/src/KamRibbon.bas", "kam_xl/template/src/customUI14.xml",
            "kam_xl/template/src/THIRD-PARTY-NOTICES.md"} <= expected
    assert shipped == expected


def test_the_commands_run_the_installed_package_not_the_checkout(installed):
    assert installed.kam_xl == installed.site / "kam_xl" / "__init__.py"


def test_installed_demo_writes_its_csv_files_and_workbook(installed):
    result = installed.results["demo"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (installed.work / "d" / "transactions.csv").is_file()
    _assert_macro_workbook(installed.work / "d" / "book.xlsm")


def test_installed_build_workbook_writes_where_out_says(installed):
    result = installed.results["out"]
    assert result.returncode == 0, result.stderr
    _assert_macro_workbook(installed.work / "x.xlsm")


def test_installed_build_workbook_without_out_writes_to_the_current_folder(installed):
    result = installed.results["default"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote KeyAccounts.xlsm ")
    _assert_macro_workbook(installed.work / "KeyAccounts.xlsm")


def test_installed_build_workbook_check_says_in_one_line_it_needs_a_checkout(installed):
    result = installed.results["check"]
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("kam-xl build-workbook: --check ") and "needs a kam_xl checkout" in result.stderr


def test_the_installed_commands_write_nothing_into_site_packages(installed):
    assert installed.after == installed.before
    assert sorted(p.name for p in installed.work.iterdir()) == ["KeyAccounts.xlsm", "d", "x.xlsm"]
