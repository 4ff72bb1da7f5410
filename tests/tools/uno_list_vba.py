"""List the VBA modules LibreOffice sees in a workbook, as JSON {library: {module: source}}.

Run with Debian's python3 (package python3-uno), not the project's venv: python3 uno_list_vba.py BOOK.
It starts a private headless soffice, loads the book hidden, reads doc.BasicLibraries, and quits.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue



def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


path = os.path.abspath(sys.argv[1])
profile = tempfile.mkdtemp(prefix="lo-profile-")
pipe = f"kamxl{os.getpid()}"
proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--nologo", "--norestore",
                         f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (prop("Hidden", True),))
    libs = doc.BasicLibraries
    out = {}
    for lib in libs.getElementNames():
        libs.loadLibrary(lib)
        container = libs.getByName(lib)
        out[lib] = {name: container.getByName(name) for name in container.getElementNames()}
    doc.close(True)
    print(json.dumps(out))
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(profile, ignore_errors=True)
