"""LibreOffice as a second engine: recalculate a workbook headless, for cross-checks and benchmarks.

    libreoffice_recalculate(src, out_dir, *, timeout=600) -> Path    # out_dir/<stem>.xlsx, cached values fresh
    find_soffice() -> str | None

LibreOffice normally keeps the cached values of an .xlsx it opens ("never recalculate" unless asked). It
recalculates on load only when ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` is 0 ("always").
That setting lives in the user profile, so each call runs soffice with a private profile
(``-env:UserInstallation=file:///...``) whose ``registrymodifications.xcu`` sets it; the user's own profile is
never touched, and two calls never share a profile (soffice locks it).

Unknown functions (our UDFs among them) become #NAME? in LibreOffice, and its save regenerates the VBA project
and drops the ribbon: use the output to read values, never as the user's workbook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

RECALC_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """soffice is missing, failed, or wrote no file."""


def find_soffice() -> str | None:
    """Path of the soffice executable (``KAM_XL_SOFFICE`` overrides), or None."""
    override = os.environ.get("KAM_XL_SOFFICE")
    if override:
        return override if Path(override).exists() else shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_recalculate(src: str | os.PathLike, out_dir: str | os.PathLike, *, timeout: float = 600) -> Path:
    """Recalculate ``src`` with LibreOffice and save it as ``out_dir/<stem>.xlsx``; returns that path.

    ``src`` is only read (it is copied first, so an .xlsx in ``out_dir`` itself is not overwritten)."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed; on Debian: apt-get install "
                               "libreoffice-calc-nogui")
    src = Path(src)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kam-xl-lo-") as scratch:
        scratch = Path(scratch)
        profile = scratch / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_SETTINGS, encoding="utf-8")
        work = scratch / "in"
        work.mkdir()
        copy = work / src.name
        shutil.copyfile(src, copy)
        produced = scratch / "out"
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                   "--outdir", str(produced), str(copy)]
        try:
            run = subprocess.run(command, capture_output=True, timeout=timeout, env=_environment(scratch),
                                 check=False)
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"LibreOffice did not finish {src.name} within {timeout:.0f} s") from exc
        result = produced / (src.stem + ".xlsx")
        if run.returncode != 0 or not result.exists():
            detail = (run.stderr or run.stdout).decode(errors="replace").strip()
            raise LibreOfficeError(f"LibreOffice could not convert {src.name} (exit {run.returncode}): {detail}")
        target = out_dir / result.name
        shutil.move(str(result), target)
    return target


def _environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HOME", str(scratch))  # soffice wants a writable home even with a private profile
    env.pop("PYTHONPATH", None)           # its bundled Python must not pick up ours
    return env
