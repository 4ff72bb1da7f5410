"""Shared test switches."""

import os
import shutil

import pytest


def require_tools(*tools: str, install: str) -> None:
    """Skip when a tool is missing, or fail when CI demands it (KAM_XL_REQUIRE_LIBREOFFICE=1)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed: apt-get install {install}"
    if os.environ.get("KAM_XL_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(message + " (required: KAM_XL_REQUIRE_LIBREOFFICE=1)")
    pytest.skip(message)
