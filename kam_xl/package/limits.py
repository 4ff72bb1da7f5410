"""Hostile workbooks refused before anything parses them: zip bombs, lying zip directories, DTDs.

    guard(path, limits=Limits()) -> None   # PackageError (one line: the part and the limit) or nothing

1. **The directory**, before anything is inflated: no part over :data:`RATIO_GRACE` may be compressed more
   than ``limits.ratio`` to 1 (real sheets: 5-12 to 1; a zip bomb: about 1,000 to 1), no part may inflate to
   more than ``limits.part`` bytes, all parts together to no more than ``limits.total`` (twice that).
2. **Every part, inflated as a stream** a chunk at a time with a counter, since a directory can lie: a part
   that inflates past the size its directory entry states is refused the moment it does (nothing is kept:
   memory stays at a few chunks). Its prolog (what comes before the root element) is scanned on the way: a
   ``<!DOCTYPE`` (the only place entities can be declared) or any other ``<!`` declaration refuses it. Media
   parts (``xl/media/``: images, SVG from drawing programs often with a DOCTYPE) are only size-checked: they are
   copied as bytes and nothing here parses them.

After the guard, every part of the file is within the limits, as its directory says, and holds no DTD, so
nothing that reads it later (kam_xl's own ElementTree reads, the formula engine, calamine) expands an
entity or inflates more than the limits allow. A file that is not a zip is left to the caller to name.
kam_xl's own XML parsing checks each part with :func:`declares_dtd` as well, for callers that skip the guard.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from kam_xl.package import zipcopy
from kam_xl.package.errors import PackageError

MiB = 1 << 20
DEFAULT_PART = 256 * MiB  # the 10,000-customer demo's largest part: 45 MiB, all parts: 88 MiB
DEFAULT_RATIO = 200       # ratio of a part's size to its compressed size
RATIO_GRACE = MiB         # smaller parts may be compressed any way
CHUNK = MiB
_UNITS = {"": 1, "K": 1 << 10, "M": MiB, "G": 1 << 30}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one workbook may inflate to. ``part``: bytes of one part; ``ratio``: compression ratio."""

    part: int = DEFAULT_PART
    ratio: float = DEFAULT_RATIO

    @property
    def total(self) -> int:
        """Bytes of all parts together."""
        return 2 * self.part


def parse_size(text: str) -> int:
    """Bytes of a size like ``512M``, ``2G``, ``1.5GB`` or ``300000000`` (K, M, G are powers of 1,024)."""
    m = _SIZE.fullmatch(text)
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f"expected a size like 512M or 2G, found {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def size_text(size: int) -> str:
    """``256 MiB``, ``1.03 MiB``, ``3 GiB``, ``1,000 bytes``: three digits where a limit is near."""
    if size < 10 * 1024:
        return f"{size:,} bytes"
    for unit, scale in (("GiB", 1 << 30), ("MiB", MiB)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value >= 100 or value == int(value) else f"{value:.3g} {unit}"
    return f"{size / 1024:.0f} KiB"


def guard(path: str | Path, limits: Limits = Limits(), *, keep: bool = False) -> dict[str, tuple[bytes, bytes]]:
    """PackageError naming the part and the limit unless every part of ``path`` is within ``limits``, inflates
    to no more than its directory says and declares no DTD. Memory: a few chunks; time: one inflate.

    ``keep``: the compressed bytes and the content of each deflated part whose CRC holds, by name (what
    kam_xl.package.zipcopy.Inflated keeps: the one inflate serves both); memory then is the parts' sizes,
    which the directory check has bounded. Without ``keep``, {}."""
    source = Path(path)
    kept: dict[str, tuple[bytes, bytes]] = {}
    with open(source, "rb") as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
            return kept  # not a zip package: the caller names what it is
        with archive:
            check_directory(source, archive, limits)
            for info in archive.infolist():
                part = check_part(source, handle, info, keep=keep and info.compress_type == zipcopy.DEFLATED)
                if part is not None and zlib.crc32(part[1]) == info.CRC:  # else its reader names the damage
                    kept[info.filename] = part
    return kept


def check_directory(source: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    """The limits on the sizes the zip directory states; nothing is inflated."""
    total = 0
    for info in archive.infolist():
        size = info.file_size
        if size > RATIO_GRACE and size > limits.ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise _refused(source, f"{info.filename} is compressed {ratio:,.0f} to 1 ({size_text(size)}), over the "
                                   f"limit of {limits.ratio:,.0f} to 1 — a zip bomb? --max-ratio raises it, if "
                                   "the workbook is genuine")
        if size > limits.part:
            raise _refused(source, f"{info.filename} inflates to {size_text(size)}, over the limit of "
                                   f"{size_text(limits.part)} per part — --max-size raises it, if the workbook "
                                   "is genuine")
        total += size
    if total > limits.total:
        raise _refused(source, f"its parts inflate to {size_text(total)} in all, over the limit of "
                               f"{size_text(limits.total)} (twice --max-size) — --max-size raises it, if the "
                               "workbook is genuine")


MEDIA = "xl/media/"


def check_part(source: Path, handle, info: zipfile.ZipInfo, *,
               keep: bool = False) -> tuple[bytes, bytes] | None:
    """Inflate one part a chunk at a time: refused when it inflates past its stated size or declares a DTD.
    ``keep``: its compressed bytes and content, else None; then the part is inflated in one call, up to a byte
    past its stated size (which the directory check has bounded), so the thread lets go of the GIL once rather
    than per chunk."""
    name, stated = info.filename, info.file_size
    if info.flag_bits & zipcopy.FLAG_ENCRYPTED:
        raise _refused(source, f"{name} is encrypted inside the zip, which Excel never does")
    if info.compress_type not in (zipcopy.STORED, zipcopy.DEFLATED):
        raise _refused(source, f"{name} uses compression method {info.compress_type}, which Excel never writes")
    try:
        handle.seek(zipcopy.data_offset(handle, info))
    except zipcopy.ZipCopyError as exc:
        raise _refused(source, str(exc)) from None
    inflater = zlib.decompressobj(-15) if info.compress_type == zipcopy.DEFLATED else None
    prolog = Prolog()
    prolog.open = not name.startswith(MEDIA)  # images are copied as bytes, never parsed
    left, size = info.compress_size, 0
    step, most = (max(left, 1), stated + 1) if keep else (CHUNK, CHUNK)
    given: list[bytes] = []
    taken: list[bytes] = []
    while left and not (inflater is not None and inflater.eof):
        data = handle.read(min(step, left))
        if not data:
            break
        left -= len(data)
        if keep:
            given.append(data)
        while data:
            if inflater is not None:
                try:
                    out = inflater.decompress(data, most)
                except zlib.error as exc:
                    raise _refused(source, f"{name} is damaged ({exc})") from None
                data = inflater.unconsumed_tail
            else:
                out, data = data, b""
            size += len(out)
            if keep:
                taken.append(out)
            if size > stated:
                raise _refused(source, f"{name} inflates past the {size_text(stated)} its zip directory "
                                       "states — a damaged or hostile file")
            if prolog.open and out and _declares(prolog, out):
                raise _refused(source, f"{name} declares a DTD (<!DOCTYPE or <!ENTITY), which workbook parts "
                                       "never hold — a hostile or damaged file; kam_xl does not parse it")
    if size < stated:
        raise _refused(source, f"{name} inflates to {size:,} bytes, short of the {stated:,} its zip directory "
                               "states — a damaged file")
    return (b"".join(given), b"".join(taken)) if keep else None


def _declares(prolog: Prolog, out: bytes) -> bool:
    """``prolog`` fed with ``out`` a few KiB at a time, only while the prolog lasts (a part inflated whole is
    not decoded whole)."""
    for at in range(0, len(out), 4096):
        if prolog.feed(out[at:at + 4096]):
            return True
        if not prolog.open:
            break
    return False


def declares_dtd(xml: bytes) -> bool:
    """True when the prolog of ``xml`` declares a DTD (what an XML parser would expand entities from);
    only the prolog is read."""
    return _declares(Prolog(), xml)


class Prolog:
    """Reads the start of a part, chunk by chunk, up to its root element: ``feed`` is True on a ``<!``
    declaration (``<!DOCTYPE``, ``<!ENTITY`` …); ``open`` turns False at the root element or at anything that
    is not XML. The XML declaration, processing instructions, comments and white space are skipped."""

    def __init__(self) -> None:
        self.open = True
        self._decoder = None
        self._text = ""
        self._inside = ""  # the end of the comment or instruction being skipped

    def feed(self, data: bytes) -> bool:
        if self._decoder is None:
            self._decoder = codecs.getincrementaldecoder(_encoding(data))("replace")
        self._text += self._decoder.decode(data)
        while self.open:
            if self._inside:
                end = self._text.find(self._inside)
                if end < 0:
                    self._text = self._text[-len(self._inside):]
                    return False
                self._text, self._inside = self._text[end + len(self._inside):], ""
                continue
            self._text = self._text.lstrip(" \t\r\n\ufeff")
            if len(self._text) < 4 and "<!--".startswith(self._text[:4]) or self._text == "<":
                return False  # not enough to tell yet
            if self._text.startswith("<!--"):
                self._inside = "-->"
            elif self._text.startswith("<?"):
                self._inside = "?>"
            elif self._text.startswith("<!"):
                return True
            else:
                self.open = False  # the root element, or not XML at all
                self._text = ""
                continue
            self._text = self._text[2:]
        return False


def _encoding(head: bytes) -> str:
    """The encoding of an XML part, from its first bytes (XML 1.0, appendix F)."""
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "utf-8"


def _refused(source: Path, message: str) -> PackageError:
    return PackageError(source, f"{source}: refused, {message}")
