"""The Key Accounts ribbon: customUI14.xml, its relationship, and callbacks that exist in the VBA project."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlsxwriter
from pyopenvba import ExcelFile

import kam_xl.macros
from kam_xl.template import CUSTOM_UI, add_ribbon, embed_vba
from kam_xl.template.ribbon import CUSTOM_UI_NAMESPACE, UI_EXTENSIBILITY_TYPE

AUDIT = Path(sys.executable).parent / "openxml-audit"
NS = {"ui": CUSTOM_UI_NAMESPACE}

# The buttons, in tab order (groups Analysis, Accounts, Data, Workbook): id, label, the macro it runs.
BUTTONS = [
    ("Refresh", "Refresh", "refresh"),
    ("CheckData", "Check data", "check_data"),
    ("Dossier", "Dossier", "dossier"),
    ("WinBack", "Win-back", "winback"),
    ("ImportTransactions", "Import transactions", "import_transactions"),
    ("Settings", "Settings", "show_settings"),
    ("Help", "Help", "show_help"),
]
CALLBACK = re.compile(r"^Public Sub (\w+)\(control As IRibbonControl\)\r\n"
                      r'    RunPython "import kam_xl\.macros as m; m\.(\w+)\(\)"\r\n'
                      r"End Sub\r$", flags=re.MULTILINE)


@pytest.fixture(scope="module")
def xlsx_bytes():
    """The package as XlsxWriter writes it, VBA project included, before the ribbon."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": dt.datetime(2026, 1, 1)})
    for name in ("Customers", "Transactions"):
        workbook.add_worksheet(name).write(0, 0, name)
    embed_vba(workbook, "kam_xl.errors")  # a module without UDFs: this file is about the ribbon
    workbook.close()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def built(xlsx_bytes, tmp_path_factory):
    path = tmp_path_factory.mktemp("ribbon") / "tiny.xlsm"
    path.write_bytes(add_ribbon(xlsx_bytes, CUSTOM_UI.read_bytes()))
    return path


def buttons(custom_ui: bytes) -> list[ElementTree.Element]:
    return ElementTree.fromstring(custom_ui).findall(".//ui:button", NS)


def test_ribbon_is_a_key_accounts_tab_with_the_seven_buttons():
    root = ElementTree.fromstring(CUSTOM_UI.read_bytes())
    assert root.tag == f"{{{CUSTOM_UI_NAMESPACE}}}customUI"
    [tab] = root.findall("ui:ribbon/ui:tabs/ui:tab", NS)
    assert tab.get("label") == "Key Accounts"
    assert [(b.get("id"), b.get("label")) for b in buttons(CUSTOM_UI.read_bytes())] == \
        [(button_id, label) for button_id, label, _ in BUTTONS]


def test_every_button_has_a_built_in_icon_a_screentip_and_a_supertip():
    for button in buttons(CUSTOM_UI.read_bytes()):
        assert button.get("imageMso") and button.get("screentip") and button.get("supertip"), button.get("id")


def test_package_relates_the_ribbon_part_from_the_root(built):
    with zipfile.ZipFile(built) as package:
        rels = package.read("_rels/.rels").decode()
        assert package.read("customUI/customUI14.xml") == CUSTOM_UI.read_bytes()
    assert f'Type="{UI_EXTENSIBILITY_TYPE}" Target="customUI/customUI14.xml"' in rels


def test_every_on_action_names_a_ribbon_callback_in_the_built_vba(built):
    with zipfile.ZipFile(built) as package:
        custom_ui = package.read("customUI/customUI14.xml")
    with ExcelFile(built) as book:
        modules = book.vba_modules()
    callbacks = dict(CALLBACK.findall(modules["KamRibbon"]))
    for button in buttons(custom_ui):
        assert button.get("onAction") in callbacks, button.get("id")
    # ... once in the whole project, so Excel cannot pick another procedure of that name.
    for name in callbacks:
        defined = [m for m, source in modules.items() if re.search(rf"\b(Sub|Function) {name}\(", source)]
        assert defined == ["KamRibbon"], name


def test_each_button_runs_its_macro(built):
    with ExcelFile(built) as book:
        callbacks = dict(CALLBACK.findall(book.get_module("KamRibbon")))
    on_action = {b.get("id"): b.get("onAction") for b in buttons(CUSTOM_UI.read_bytes())}
    for button_id, _, macro in BUTTONS:
        assert callbacks[on_action[button_id]] == macro
        assert callable(getattr(kam_xl.macros, macro))


def test_every_other_entry_keeps_its_bytes_and_its_place(xlsx_bytes, built):
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as before, zipfile.ZipFile(built) as after:
        assert after.namelist() == [*before.namelist(), "customUI/customUI14.xml"]
        changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
    assert changed == ["_rels/.rels"]


def test_all_entries_carry_the_same_fixed_zip_metadata(built):
    with zipfile.ZipFile(built) as package:
        metadata = {(i.date_time, i.compress_type, i.create_system, i.external_attr) for i in package.infolist()}
    assert len(metadata) == 1
    [(date_time, compress_type, create_system, _)] = metadata
    assert (date_time, compress_type, create_system) == ((1980, 1, 1, 0, 0, 0), zipfile.ZIP_DEFLATED, 0)


def test_adding_the_ribbon_is_reproducible_and_idempotent(xlsx_bytes, built):
    assert add_ribbon(xlsx_bytes, CUSTOM_UI.read_bytes()) == built.read_bytes()
    assert add_ribbon(built.read_bytes(), CUSTOM_UI.read_bytes()) == built.read_bytes()


def test_relationship_takes_the_next_free_id(built):
    with zipfile.ZipFile(built) as package:
        ids = re.findall(r'Id="(rId\d+)"', package.read("_rels/.rels").decode())
    assert ids == ["rId1", "rId2", "rId3", "rId4"]


def test_a_ribbon_outside_the_2009_namespace_is_refused(xlsx_bytes):
    old = CUSTOM_UI.read_bytes().replace(b"2009/07/customui", b"2006/01/customui")
    with pytest.raises(ValueError, match="namespace"):
        add_ribbon(xlsx_bytes, old)


def test_openxml_audit_validates_the_ribbon_part(built, tmp_path):
    result = subprocess.run([str(AUDIT), str(built)], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "Errors: 0", result.stdout
    # It reads the part against the customUI schema: a bad attribute value is caught.
    broken = tmp_path / "broken.xlsm"
    broken.write_bytes(add_ribbon(built.read_bytes(), CUSTOM_UI.read_bytes().replace(
        b'size="large"', b'size="huge"', 1)))
    result = subprocess.run([str(AUDIT), str(broken)], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "Errors: 1", result.stdout
