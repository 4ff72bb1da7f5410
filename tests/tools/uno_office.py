"""A private headless LibreOffice for the UNO scripts of tests/tools (run by Debian's python3 with python3-uno).

    with office() as desktop:
        doc = desktop.loadComponentFromURL(...)

Starts soffice with a throw-away profile on a named pipe (so parallel runs and the user's settings do not
interfere), connects, yields the Desktop, and terminates that soffice (and only it) at the end. Fonts follow
the caller's environment (FONTCONFIG_FILE, see tests/conftest.py ci_fonts_env).
"""
import contextlib
import os
import shutil
import subprocess
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def props(**values):
    return tuple(prop(k, v) for k, v in values.items())


@contextlib.contextmanager
def office():
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"kamxl{os.getpid()}"
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--nologo", "--norestore",
                             f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError(f"soffice ended with {proc.returncode} before accepting connections")
                time.sleep(0.25)
        if ctx is None:
            raise RuntimeError("soffice did not accept a connection within 60 s")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        yield desktop
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):
                desktop.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))
