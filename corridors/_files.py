"""Atomic file output: a file is either its previous version or the complete new one."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "is_own_temporary", "remove_own_temporaries", "write_atomic"]

# A temporary file is `.NAME.XXXXXXXX.corridors.part` beside NAME (XXXXXXXX from `tempfile`):
# the clean-up recognises the package's own names and leaves any other `.part` file alone.
TEMP_SUFFIX = ".corridors.part"
_OWN_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` through a temporary file and a rename.

    The temporary file, ``.NAME.XXXXXXXX.corridors.part`` in the same folder, is flushed to disk
    (``fsync``) before the rename, and removed if writing fails. The file gets the permissions
    of a new file under the process's umask (``0o666 & ~umask``), like ``open(path, "w")``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        try:
            _write_all(handle, data)
            os.fchmod(handle, 0o666 & ~_umask())
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _write_all(handle: int, data: bytes) -> None:
    """Write every byte (``os.write`` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore it at once
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry of the renamed file to disk (best effort: not every system allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def is_own_temporary(name: str) -> bool:
    """Whether a file name is one of :func:`write_atomic`'s temporary names."""
    return _OWN_TEMPORARY.fullmatch(name) is not None


def remove_own_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files a killed :func:`write_atomic` left in ``folder``; return them.

    Only the package's own names are removed: a user's ``.notes.part`` stays.
    """
    removed = []
    for path in folder.iterdir():
        if is_own_temporary(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
