"""Read untrusted files within fixed limits, and quote their values in messages in a bounded length."""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
import stat
from pathlib import Path
from typing import Any

from .errors import ValidationError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 20  # arrays and objects: a MultiPolygon feature in a collection needs 8
MAX_INT_DIGITS = 18  # every integer of 18 digits fits a 64-bit integer column
QUOTE_CHARS = 200  # of any input value shown in a message


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """Show a value from the input in a message: its ``repr``, cut to ``limit`` characters.

    Hostile input must not fill a terminal (a 20 MB name) nor carry control characters onto it:
    ``repr`` escapes them, and what is cut is counted (``… (+19,999,800 characters)``).
    """
    if isinstance(value, str):
        text, whole = repr(value[: limit + 1]), len(value)
    else:
        text = _SHORT_REPR.repr(value)
        whole = len(text)
    if len(text) > limit or whole > limit:
        return f"{text[:limit]}… (+{max(whole - limit, 1):,} characters)"
    return text


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = QUOTE_CHARS
_SHORT_REPR.maxlist = _SHORT_REPR.maxdict = _SHORT_REPR.maxlevel = 6


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: whole up to :data:`QUOTE_CHARS` characters, else cut."""
    text = os.fspath(path)
    return text if len(text) <= QUOTE_CHARS else f"{text[:QUOTE_CHARS]}… (+{len(text) - QUOTE_CHARS:,} characters)"


def read_limited(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytearray:
    """Read at most ``max_bytes`` bytes of a file, refusing more, whatever the file is.

    The stated size of a regular file is checked before reading; a device or a FIFO (``/dev/zero``)
    is read until ``max_bytes + 1`` bytes prove it too large. A FIFO waits for its writer, as ``cat`` does.
    """
    source = shown_path(path)
    if not source:
        raise ValidationError("<no file>", ["file: no file name given (the path is empty)"])
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ValidationError(source, ["file: is a folder, not a file"])
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise ValidationError(source, [_too_large(info.st_size, max_bytes)])
        # One buffer, filled in place: the stated size and one byte more (to see a file grow), or the
        # limit and one byte more for a stream; grown (doubled) only when a file holds more than it states
        # (files in /proc state 0 bytes); never a second copy of the file.
        stated = info.st_size + 1 if stat.S_ISREG(info.st_mode) else max_bytes + 1
        buffer = bytearray(min(stated, max_bytes + 1))
        filled = 0
        with open(path, "rb", buffering=0) as handle:
            while filled <= max_bytes:
                if filled == len(buffer):
                    buffer.extend(bytes(min(len(buffer), max_bytes + 1 - len(buffer))))
                with memoryview(buffer) as view:
                    count = handle.readinto(view[filled:])
                if not count:
                    break
                filled += count
    except OSError as exc:
        raise ValidationError(source, [f"file: cannot be read ({exc.strerror})"]) from None
    if filled > max_bytes:
        raise ValidationError(source, [_too_large(None, max_bytes)])
    del buffer[filled:]
    return buffer


def _too_large(size: int | None, max_bytes: int) -> str:
    stated = f"{size / 2**20:.0f} MiB" if size is not None else "the stream"
    return f"file: {stated} is larger than the {max_bytes / 2**20:.0f} MiB limit; split it"


def read_geojson_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Read a GeoJSON file into a Python object, with specific errors for bad bytes and hostile JSON.

    Refused: more than ``max_bytes`` bytes, bytes that are not UTF-8, arrays and objects nested
    deeper than :data:`MAX_DEPTH`, integers of more than :data:`MAX_INT_DIGITS` digits, numbers
    beyond the range of a 64-bit float, NaN and Infinity, duplicate keys in an object and lone
    UTF-16 surrogates (``"\\ud800"``).
    """
    source = shown_path(path)
    raw = read_limited(path, max_bytes=max_bytes)
    if not raw or raw.isspace():
        raise ValidationError(source, ["file: is empty"])
    try:
        text = raw.decode("utf-8-sig")  # RFC 7946 forbids a BOM; tolerate and drop it
    except UnicodeDecodeError as exc:
        raise ValidationError(
            source, [f"file: is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"]
        ) from None
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        raise ValidationError(source, [f"file: arrays and objects nested {depth:,} deep (limit {MAX_DEPTH})"])
    del raw
    try:
        data = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
            object_pairs_hook=_object,
        )
    except _Refused as exc:
        raise ValidationError(source, [f"file: {exc.args[0]}"]) from None
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ValidationError(
            source, [f"file: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"]
        ) from None
    if _SURROGATE_ESCAPE.search(text):
        _reject_lone_surrogates(data, source)
    return data


# The nesting of a document, counted on its brackets once the strings are taken out.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def nesting_depth(raw: bytes | bytearray) -> int:
    """The deepest nesting of arrays and objects in JSON bytes (0 for a bare value), in linear time."""
    import numpy as np

    brackets = np.frombuffer(_JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if not brackets.size:
        return 0
    opens = (brackets == ord("[")) | (brackets == ord("{"))
    steps = opens.view(np.int8) * np.int8(2) - np.int8(1)  # +1 opens, -1 closes
    return int(np.cumsum(steps, dtype=np.int32).max())


class _Refused(ValueError):
    pass


class _NonFinite(_Refused):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFinite(f"contains {name}, which JSON does not allow")


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits:,} digits (limit {MAX_INT_DIGITS}): {quote(text, 40)}")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {quote(text, 40)} is beyond the range of a 64-bit float")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key {quote(key, 60)} in an object (JSON keys must be unique)")
            seen.add(key)
    return obj


def _reject_lone_surrogates(data: Any, source: str) -> None:
    """Refuse text holding a lone UTF-16 surrogate (``"\\ud800"``): it is not a character."""
    dumped = json.dumps(data, ensure_ascii=False)
    try:
        dumped.encode("utf-8")
    except UnicodeEncodeError as exc:
        context = dumped[max(exc.start - 30, 0) : exc.end + 30]
        raise ValidationError(
            source, [f"file: text holds a lone UTF-16 surrogate, which is not a character (near {quote(context, 80)})"]
        ) from None
