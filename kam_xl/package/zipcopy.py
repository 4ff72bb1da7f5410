"""Copy a zip package entry by entry, replacing the content of a few entries (PKWARE APPNOTE 6.3, 4.3).

``zipfile`` can only write what it compresses itself, so this module writes the archive by hand:

* an entry that is not replaced is copied as raw bytes: its local file header, its compressed data and its
  data descriptor, exactly as they are in the source; its central-directory record is copied as it is, with
  only the offset of the local header changed. Name, order, compression method, date and time, CRC, external
  attributes, extra fields and comment stay identical, and nothing is recompressed.
* a replaced entry keeps its local header and central record too, with the general-purpose flags, CRC and
  sizes changed; its data is compressed with the same method (stored or deflate) at the level its flags
  announce (bits 1-2: normal 6, maximum 9, fast/superfast 1); a part over :data:`FAST_OVER` is deflated at the
  fast level and its flags say so. It gets no data descriptor.
* an added entry (``copy_archive(..., added={name: bytes})``, after the copied ones) gets fixed metadata:
  1980-01-01 00:00, deflated at the normal level (fast over :data:`FAST_OVER`), made on MS-DOS, no extra field,
  so equal content gives equal bytes.
* the end-of-central-directory record keeps the archive comment.
* a large part known before the rest of an edit is done can be deflated on a second thread meanwhile
  (:class:`Ahead`: zlib lets go of the GIL); the copy takes that result instead of deflating it again.

Archives that need ZIP64 records (over 65,535 entries or 4 GiB) and entries compressed with other methods
than stored/deflate are refused rather than rewritten half-understood.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")      # zipfile.structFileHeader, 30 bytes
CENTRAL_RECORD = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir, 46 bytes
LOCAL_SIGNATURE, CENTRAL_SIGNATURE = b"PK\x03\x04", b"PK\x01\x02"
DESCRIPTOR_SIGNATURE, END_SIGNATURE = b"PK\x07\x08", b"PK\x05\x06"
ZIP64_EXTRA = 0x0001
FLAG_ENCRYPTED, FLAG_DESCRIPTOR = 0x0001, 0x0008
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
DEFLATE_LEVELS = {0: 6, 1: 9, 2: 1, 3: 1}  # flag bits 1-2 -> zlib level
FLAG_LEVEL, FLAG_FAST = 0b110, 0b100         # the level bits, and their "fast" value
#: A rewritten part larger than this is deflated at the fast level: at 100k formula rows zlib's normal level
#: costs about 0.9 s of a 10 s recalculation, the fast one a third of that, for a file about 15 % larger.
FAST_OVER = 4 * 2**20
CHUNK = 1 << 20
U32, U16 = 0xFFFFFFFF, 0xFFFF

# Offsets of fields in the two header records.
L_FLAGS, L_METHOD, L_CRC, L_CSIZE, L_USIZE = 6, 8, 14, 18, 22
C_FLAGS, C_METHOD, C_CRC, C_CSIZE, C_USIZE, C_OFFSET = 8, 10, 16, 20, 24, 42


class ZipCopyError(ValueError):
    """The archive cannot be copied faithfully; the message says why."""


class Ahead:
    """Large parts deflated ahead on one worker thread, for a later :func:`copy_archive`: a part over
    :data:`FAST_OVER` is deflated at the fast level whatever its entry says (:func:`_replaced_entry`), so it
    can be done before the entry is looked at. The thread also inflates what it deflated and compares it with
    the content, so that a check of the written archive may compare the compressed bytes instead
    (``taken``). Used as a context manager, which waits for the thread."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam_xl-deflate")
        self._jobs: dict[str, tuple[bytes, Future]] = {}
        self.taken: dict[str, tuple[bytes, bytes, int]] = {}  # entry -> (content, deflated data, CRC) used

    def start(self, name: str, content: bytes) -> None:
        """Begin deflating ``content``, the new content of entry ``name``, if it is large."""
        if len(content) > FAST_OVER:
            self._jobs[name] = (content, self._pool.submit(_deflated_fast, content))

    def take(self, name: str, content: bytes) -> tuple[bytes, int] | None:
        """(deflated data, CRC) of ``content`` when it was started for ``name``, else None."""
        job = self._jobs.pop(name, None)
        if job is None or job[0] is not content:
            return None
        data, crc = job[1].result()
        self.taken[name] = (content, data, crc)
        return data, crc

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._jobs.clear()


class Inflated:
    """The parts of a package inflated once, for a later reading of a copy of it: a part whose compressed bytes
    in the copy are the very ones inflated here (kept as they were by :func:`copy_archive`) is taken from
    here instead of being inflated again."""

    def __init__(self, path: str | os.PathLike, parts: dict[str, tuple[bytes, bytes]] | None = None):
        """``parts``: the parts inflated already, {name: (compressed bytes, content)} (what
        kam_xl.package.limits.guard keeps), else each deflated part of ``path`` is inflated here."""
        self._parts: dict[str, tuple[bytes, bytes]] = {}  # name -> (compressed bytes, content)
        self._held: dict[str, bytes] = {}  # name -> new content, stored in an in-memory copy
        self.scans: dict[str, tuple] = {}  # part -> (content, what kam_xl.recalc.xlsx_view.scan_ahead found)
        if parts is not None:
            self._parts = dict(parts)
            return
        try:
            with open(path, "rb") as raw, zipfile.ZipFile(raw) as archive:
                for info in archive.infolist():
                    if info.compress_type == DEFLATED and not info.flag_bits & FLAG_ENCRYPTED:
                        try:
                            content = archive.read(info)
                            raw.seek(data_offset(raw, info))
                        except (zipfile.BadZipFile, zlib.error, EOFError, ZipCopyError):
                            continue  # a damaged part: its later reader says what is wrong with it
                        self._parts[info.filename] = (raw.read(info.compress_size), content)
        except (OSError, zipfile.BadZipFile):
            self._parts.clear()  # the file's readers say what is wrong with it

    def contents(self) -> dict[str, bytes]:
        """Every part inflated here, by name: the very content objects :meth:`read` gives back."""
        return {name: content for name, (_, content) in self._parts.items()}

    def hold(self, parts: dict[str, bytes]) -> None:
        """New contents of parts, as the in-memory copy about to be read stores them (uncompressed): such an
        entry of the same size is taken from here, not copied out of the copy again."""
        self._held = dict(parts)

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        """The content of ``info`` in ``archive`` (whose ``fp`` is seekable)."""
        held = self._held.get(info.filename)
        if held is not None and info.compress_type == zipfile.ZIP_STORED and info.file_size == len(held):
            return held
        known = self._parts.get(info.filename)
        if known is not None and info.compress_type == DEFLATED and info.compress_size == len(known[0]):
            archive.fp.seek(data_offset(archive.fp, info))
            if archive.fp.read(info.compress_size) == known[0]:
                return known[1]
        return archive.read(info)


def _deflated_fast(content: bytes) -> tuple[bytes, int]:
    """``content`` deflated at the fast level and inflated back to compare (in pieces), and its CRC."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    unpacker, view, at = zlib.decompressobj(-15), memoryview(content), 0
    for start in range(0, len(data), CHUNK // 8):
        piece = unpacker.decompress(data[start:start + CHUNK // 8])
        if view[at:at + len(piece)] != piece:
            raise ZipCopyError("a part deflated ahead did not inflate back to its content")
        at += len(piece)
    if at != len(content) or unpacker.flush():
        raise ZipCopyError("a part deflated ahead did not inflate back to its content")
    return data, zlib.crc32(content)


def _write(out: BinaryIO, data: bytes) -> None:
    """Every byte of the new archive goes through here (tests patch it to fake a full disk or a crash)."""
    out.write(data)


def central_records(source: BinaryIO, archive: zipfile.ZipFile) -> list[bytes]:
    """The raw central-directory records, in the order of ``archive.infolist()``."""
    infos = archive.infolist()
    source.seek(archive.start_dir)
    records = []
    for info in infos:
        fixed = source.read(CENTRAL_RECORD.size)
        if len(fixed) < CENTRAL_RECORD.size or fixed[:4] != CENTRAL_SIGNATURE:
            raise ZipCopyError(f"central directory record of {info.filename} is damaged")
        fields = CENTRAL_RECORD.unpack(fixed)
        rest = source.read(fields[12] + fields[13] + fields[14])
        records.append(fixed + rest)
    return records


def copy_archive(source: BinaryIO, archive: zipfile.ZipFile, replaced: dict[str, bytes], out: BinaryIO,
                 added: dict[str, bytes] | None = None, *, store_replaced: bool = False,
                 ahead: Ahead | None = None) -> int:
    """Write ``archive`` (read from ``source``) to ``out`` with the entries in ``replaced`` given new content,
    and the entries of ``added`` (new names) after the last one, in their order. ``store_replaced``: the new
    content goes in uncompressed (for a copy in memory that is read once, never for a file). ``ahead``: parts
    already being deflated.

    Returns the number of bytes written.
    """
    infos = archive.infolist()
    added = added or {}
    if len(infos) + len(added) > U16 - 1:
        raise ZipCopyError(f"{len(infos) + len(added)} entries need ZIP64 records, which kam_xl does not write")
    clash = set(added) & {info.filename for info in infos}
    if clash:
        raise ZipCopyError(f"{sorted(clash)[0]} is in the archive already")
    records = central_records(source, archive)
    position = 0
    central = []
    for info, record in zip(infos, records):
        offset = position
        if info.filename in replaced:
            local, data, crc, flags = _replaced_entry(source, info, replaced[info.filename], store_replaced, ahead)
            fields = {C_FLAGS: ("H", flags), C_CRC: ("L", crc)}
            if store_replaced:
                fields[C_METHOD] = ("H", STORED)
            record = _patched(record, fields, sizes=(len(replaced[info.filename]), len(data)), offset=offset)
            _write(out, local)
            _write(out, data)
            position += len(local) + len(data)
        else:
            position += _copy_raw(source, info, out)
            record = _patched(record, {}, sizes=None, offset=offset)
        central.append(record)
    for name, content in added.items():
        local, data, record = _new_entry(name, content, offset=position)
        _write(out, local)
        _write(out, data)
        position += len(local) + len(data)
        central.append(record)
    directory = b"".join(central)
    if position > U32 - 1 or position + len(directory) > U32 - 1:
        raise ZipCopyError("the archive would exceed 4 GiB, which needs ZIP64 records kam_xl does not write")
    comment = archive.comment
    count = len(infos) + len(added)
    end = struct.pack("<4s4H2LH", END_SIGNATURE, 0, 0, count, count, len(directory), position,
                      len(comment)) + comment
    _write(out, directory)
    _write(out, end)
    return position + len(directory) + len(end)


#: Date and time of every added entry (1980-01-01 00:00, MS-DOS format), as the template build writes them.
NEW_DATE, NEW_TIME = (1980 - 1980) << 9 | 1 << 5 | 1, 0
FLAG_UTF8 = 0x0800


def _new_entry(name: str, content: bytes, *, offset: int) -> tuple[bytes, bytes, bytes]:
    """(local header, data, central record) of a new entry: deflated at the normal level (fast over
    :data:`FAST_OVER`), made on MS-DOS as Excel writes, no data descriptor, no extra field."""
    fast = len(content) > FAST_OVER
    packer = zlib.compressobj(1 if fast else 6, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    if offset >= U32 or len(content) >= U32 or len(data) >= U32:
        raise ZipCopyError("the archive would exceed 4 GiB, which needs ZIP64 records kam_xl does not write")
    encoded = name.encode("utf-8")
    flags = (FLAG_FAST if fast else 0) | (0 if name.isascii() else FLAG_UTF8)
    crc = zlib.crc32(content)
    local = LOCAL_HEADER.pack(LOCAL_SIGNATURE, 20, 0, flags, DEFLATED, NEW_TIME, NEW_DATE, crc, len(data),
                              len(content), len(encoded), 0) + encoded
    central = CENTRAL_RECORD.pack(CENTRAL_SIGNATURE, 20, 0, 20, 0, flags, DEFLATED, NEW_TIME, NEW_DATE, crc,
                                  len(data), len(content), len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    return local, data, central


def _local_header(source: BinaryIO, info: zipfile.ZipInfo) -> tuple[bytes, tuple]:
    source.seek(info.header_offset)
    fixed = source.read(LOCAL_HEADER.size)
    if len(fixed) < LOCAL_HEADER.size or fixed[:4] != LOCAL_SIGNATURE:
        raise ZipCopyError(f"local header of {info.filename} is damaged")
    fields = LOCAL_HEADER.unpack(fixed)
    variable = source.read(fields[10] + fields[11])
    return fixed + variable, fields


def data_offset(source: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where the compressed data of ``info`` starts in ``source``."""
    header, _ = _local_header(source, info)
    return info.header_offset + len(header)


def holds(source: BinaryIO, info: zipfile.ZipInfo, content: bytes, data: bytes, crc: int) -> bool:
    """Whether entry ``info`` of ``source`` holds ``data``, ``content`` deflated (whose CRC is ``crc``), with
    both its headers saying so."""
    if (info.compress_type, info.CRC, info.file_size, info.compress_size) != (DEFLATED, crc, len(content), len(data)):
        return False
    header, fields = _local_header(source, info)
    sizes = (fields[8], fields[9]) if U32 not in (fields[8], fields[9]) else (len(data), len(content))
    if (fields[4], fields[7], *sizes) != (DEFLATED, crc, len(data), len(content)):
        return False
    source.seek(info.header_offset + len(header))
    return source.read(len(data)) == data


def _copy_raw(source: BinaryIO, info: zipfile.ZipInfo, out: BinaryIO) -> int:
    """Local header, compressed data and data descriptor, byte for byte; returns the length copied."""
    header, fields = _local_header(source, info)
    length = len(header) + info.compress_size
    if info.flag_bits & FLAG_DESCRIPTOR:
        source.seek(info.header_offset + length)
        signature = source.read(4)
        zip64 = _has_zip64(header[LOCAL_HEADER.size + fields[10]:])
        length += (4 if signature == DESCRIPTOR_SIGNATURE else 0) + (20 if zip64 else 12)
    source.seek(info.header_offset)
    remaining = length
    while remaining:
        chunk = source.read(min(CHUNK, remaining))
        if not chunk:
            raise ZipCopyError(f"{info.filename} is cut short")
        _write(out, chunk)
        remaining -= len(chunk)
    return length


def _replaced_entry(source: BinaryIO, info: zipfile.ZipInfo, content: bytes,
                    store: bool = False, ahead: Ahead | None = None) -> tuple[bytes, bytes, int, int]:
    """(local header, compressed data, CRC, flags) for new content under an existing entry's header; ``store``:
    uncompressed, whatever the entry's method was; ``ahead``: the deflated data, if it was started there."""
    header, fields = _local_header(source, info)
    flags, method = fields[3], fields[4]
    if flags & FLAG_ENCRYPTED:
        raise ZipCopyError(f"{info.filename} is encrypted inside the zip")
    crc = None
    if store:
        flags &= ~FLAG_LEVEL
        data = content
    elif method == STORED:
        data = content
    elif method == DEFLATED:
        done = None
        if len(content) > FAST_OVER:  # a large sheet: deflate fast, and say so in the flags, as zip tools do
            flags = flags & ~FLAG_LEVEL | FLAG_FAST
            done = ahead.take(info.filename, content) if ahead is not None else None
        if done is None:
            packer = zlib.compressobj(DEFLATE_LEVELS[(flags >> 1) & 3], zlib.DEFLATED, -15)
            data = packer.compress(content) + packer.flush()
        else:
            data, crc = done
    else:
        raise ZipCopyError(f"{info.filename} uses compression method {method}; kam_xl rewrites only "
                           "stored or deflated parts")
    flags &= ~FLAG_DESCRIPTOR
    if crc is None:
        crc = zlib.crc32(content)
    header = bytearray(header)
    struct.pack_into("<H", header, L_FLAGS, flags)
    if store:
        struct.pack_into("<H", header, L_METHOD, STORED)
    struct.pack_into("<L", header, L_CRC, crc)
    name_end = LOCAL_HEADER.size + fields[10]
    extra = bytearray(header[name_end:])
    usize, csize = len(content), len(data)
    if fields[8] == U32 or fields[9] == U32:  # sizes live in the ZIP64 extra field: update them there
        _set_zip64(extra, [usize, csize], info.filename)
        header[name_end:] = extra
    elif usize >= U32 or csize >= U32:
        raise ZipCopyError(f"{info.filename} would exceed 4 GiB")
    else:
        struct.pack_into("<LL", header, L_CSIZE, csize, usize)
    return bytes(header), data, crc, flags


def _patched(record: bytes, fields: dict[int, tuple[str, int]], *, sizes: tuple[int, int] | None,
             offset: int) -> bytes:
    """A central record with fields replaced; sizes (uncompressed, compressed) and the local header offset
    are written where the record keeps them: in the fixed part, or in its ZIP64 extra field."""
    record = bytearray(record)
    for at, (fmt, value) in fields.items():
        struct.pack_into("<" + fmt, record, at, value)
    name_len, extra_len = struct.unpack_from("<HH", record, 28)
    extra_start = CENTRAL_RECORD.size + name_len
    extra = bytearray(record[extra_start:extra_start + extra_len])
    usize_32, csize_32, offset_32 = struct.unpack_from("<L", record, C_USIZE)[0], \
        struct.unpack_from("<L", record, C_CSIZE)[0], struct.unpack_from("<L", record, C_OFFSET)[0]
    in_zip64 = []  # values for the ZIP64 field, in its fixed order: usize, csize, offset
    if sizes is not None:
        usize, csize = sizes
        for at, old, new in ((C_USIZE, usize_32, usize), (C_CSIZE, csize_32, csize)):
            if old == U32:
                in_zip64.append(new)
            elif new >= U32:
                raise ZipCopyError("an entry would exceed 4 GiB")
            else:
                struct.pack_into("<L", record, at, new)
    else:
        in_zip64 += [None] * ((usize_32 == U32) + (csize_32 == U32))
    if offset_32 == U32:
        in_zip64.append(offset)
    elif offset >= U32:
        raise ZipCopyError("the archive would exceed 4 GiB")
    else:
        struct.pack_into("<L", record, C_OFFSET, offset)
    if in_zip64:
        _set_zip64(extra, in_zip64, "an entry")
        record[extra_start:extra_start + extra_len] = extra
    return bytes(record)


def _zip64_field(extra: bytes | bytearray) -> int:
    """Offset of the ZIP64 extended-information field's data in ``extra``, or -1."""
    i = 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, i)
        if kind == ZIP64_EXTRA:
            return i + 4
        i += 4 + size
    return -1


def _has_zip64(extra: bytes) -> bool:
    return _zip64_field(extra) >= 0


def _set_zip64(extra: bytearray, values: list[int | None], name: str) -> None:
    """Overwrite the leading 8-byte values of the ZIP64 field in place (None keeps a value)."""
    at = _zip64_field(extra)
    if at < 0 or at + 8 * len(values) > len(extra):
        raise ZipCopyError(f"{name} has a damaged ZIP64 extra field")
    for i, value in enumerate(values):
        if value is not None:
            struct.pack_into("<Q", extra, at + 8 * i, value)
