"""The maps' third-party JavaScript and CSS: a local cache filled from the npm registry.

Nothing third-party is committed to this repository. ``corridors build --self-contained`` (and
``--png``) inline every script and stylesheet a map needs from npm tarballs kept in a local cache,
downloaded once from the registry and checked against the integrity hash pinned below.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import mimetypes
import os
import posixpath
import re
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._files import write_atomic
from ._limits import quote
from .errors import AssetError

__all__ = ["PACKAGES", "cache_dir", "fetch_assets", "inline_assets", "missing_assets"]

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
DEADLINE_S = 300.0  # for every download of one `corridors assets` (about 1.8 MB in all)
READ_TIMEOUT_S = 30.0  # connecting, and waiting for each piece of a download
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class NpmPackage:
    """One npm package version, pinned by the registry's ``dist.integrity`` (SHA-512)."""

    name: str
    version: str
    integrity: str
    licence: str
    size: int  # bytes of the tarball: a download is cut off beyond it

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tgz"

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.filename}"


PACKAGES = {
    p.name: p
    for p in (
        NpmPackage(
            "leaflet",
            "1.9.3",
            "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
            "BSD-2-Clause",
            863_887,
        ),
        NpmPackage(
            "jquery",
            "3.7.1",
            "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
            "MIT",
            404_231,
        ),
        NpmPackage(
            "leaflet.fullscreen",
            "3.0.0",
            "sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
            "MIT",
            5_935,
        ),
        NpmPackage(
            "leaflet-measure",
            "2.1.7",
            "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",
            "MIT",
            423_533,
        ),
        NpmPackage(
            "leaflet-minimap",
            "3.6.1",
            "sha512-6px8f6cfv1rKB6ACpL6bbUFGxipZOq4KsntJgBj9nOcW1RYa5+xFp8emOZwks9X+VtVVsQEwWwfgT1kTTL/LzA==",
            "BSD-2-Clause",
            74_370,
        ),
        NpmPackage(
            "leaflet-groupedlayercontrol",
            "0.6.1",
            "sha512-xkGeH6ygcryFQI0FUWn6Bz93zlwrOSpeXgJQ3jLRoUQJ5h/Qgrz+GqR9nhBFfikjUKtC1sCKL3eDR9wNTWhLlA==",
            "MIT",
            26_976,
        ),
        NpmPackage(  # not in the maps: the accessibility checks of tests/test_browser.py
            "axe-core",
            "4.10.3",
            "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==",
            "MPL-2.0",
            563_802,
        ),
    )
}

# Each URL that folium writes into a page → (npm package, file inside the package).
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
FILES = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet", "dist/leaflet.js"),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet", "dist/leaflet.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen",
        "Control.FullScreen.js",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen",
        "Control.FullScreen.css",
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
        "leaflet-measure",
        "dist/leaflet-measure.min.js",
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
        "leaflet-measure",
        "dist/leaflet-measure.css",
    ),
    f"{_CDNJS}leaflet-minimap/3.6.1/Control.MiniMap.js": ("leaflet-minimap", "dist/Control.MiniMap.min.js"),
    f"{_CDNJS}leaflet-minimap/3.6.1/Control.MiniMap.css": ("leaflet-minimap", "dist/Control.MiniMap.min.css"),
    f"{_CDNJS}leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js": (
        "leaflet-groupedlayercontrol",
        "dist/leaflet.groupedlayercontrol.min.js",
    ),
    f"{_CDNJS}leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css": (
        "leaflet-groupedlayercontrol",
        "dist/leaflet.groupedlayercontrol.min.css",
    ),
    # Not in the maps: tests/test_browser.py inlines it to run the accessibility rules in Chromium.
    "https://cdn.jsdelivr.net/npm/axe-core@4.10.3/axe.min.js": ("axe-core", "axe.min.js"),
}

_SCRIPT = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"/>')
_CSS_URL = re.compile(r"url\((?P<quote>['\"]?)(?P<ref>[^)'\"]+)(?P=quote)\)")


def cache_dir() -> Path:
    """Folder of the npm tarballs: ``$CORRIDORS_CACHE_DIR``, else ``$XDG_CACHE_HOME/corridors/npm``
    (``~/.cache/corridors/npm``)."""
    if os.environ.get("CORRIDORS_CACHE_DIR"):
        return Path(os.environ["CORRIDORS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "corridors" / "npm"


def _integrity(package: NpmPackage, data: bytes) -> bool:
    algorithm, _, expected = package.integrity.partition("-")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def _verified(package: NpmPackage, data: bytes, origin: str) -> bytes:
    if not _integrity(package, data):
        raise AssetError(
            f"{origin}: {package.name}@{package.version} does not match its pinned "
            f"{package.integrity.partition('-')[0]} integrity; run `corridors assets` to download it again"
        )
    return data


def _cached(package: NpmPackage) -> bool:
    """Whether the cache holds the package's tarball intact (its size and hash are checked)."""
    path = cache_dir() / package.filename
    try:
        if not path.is_file() or path.stat().st_size != package.size:
            return False
        return _integrity(package, path.read_bytes())
    except OSError:
        return False


def missing_assets() -> list[str]:
    """``name@version`` of every pinned package not in the cache, or there but not matching its hash."""
    return [f"{p.name}@{p.version}" for p in PACKAGES.values() if not _cached(p)]


def registry_url() -> str:
    """The npm registry: ``$NPM_CONFIG_REGISTRY`` (an http or https URL), else npmjs.org."""
    registry = os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    try:
        parts = urllib.parse.urlsplit(registry)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise AssetError(f"NPM_CONFIG_REGISTRY={quote(registry)} is not an http(s) URL such as {DEFAULT_REGISTRY}")
    return registry


def fetch_assets(
    *,
    deadline_s: float | None = None,
    read_timeout_s: float | None = None,
    report: Callable[[str], None] | None = None,
) -> list[Path]:
    """Download every pinned package not cached intact (from ``$NPM_CONFIG_REGISTRY`` or npmjs.org).

    A cached tarball that does not match its pinned hash is downloaded again (repaired).

    Parameters
    ----------
    deadline_s
        Seconds for all the downloads together (default :data:`DEADLINE_S`), checked after each
        piece received; a piece is waited for at most ``read_timeout_s`` seconds (default
        :data:`READ_TIMEOUT_S`).
    report
        Called with one line per tarball downloaded or repaired.

    Returns the cached tarballs. Raises :class:`~corridors.errors.AssetError` if the registry cannot
    be reached, is too slow, sends more than the pinned size or bytes that do not match the pinned
    integrity, or the cache folder cannot be written.
    """
    deadline = time.monotonic() + (DEADLINE_S if deadline_s is None else deadline_s)
    timeout = READ_TIMEOUT_S if read_timeout_s is None else read_timeout_s
    folder = cache_dir()
    missing = [p for p in PACKAGES.values() if not _cached(p)]
    if missing:
        registry = registry_url()
        if folder.exists() and not folder.is_dir():
            raise AssetError(f"the npm cache {quote(str(folder))} is a file, not a folder; set CORRIDORS_CACHE_DIR")
    for package in missing:
        path = folder / package.filename
        corrupt = path.exists()
        url = package.tarball_url(registry)
        try:
            data = _verified(package, _download(package, url, deadline, timeout), quote(url))
        except AssetError as exc:
            note = f"the cached {package.filename} does not match its pinned hash, and " if corrupt else ""
            raise AssetError(f"{note}{exc}") from None
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise AssetError(
                f"cannot write the npm cache {quote(str(folder))} ({exc.strerror}); "
                "free some space or set CORRIDORS_CACHE_DIR to a writable folder"
            ) from None
        if report:
            report(f"{'repaired' if corrupt else 'downloaded'} {path}")
    return [folder / p.filename for p in PACKAGES.values()]


def _download(package: NpmPackage, url: str, deadline: float, timeout: float) -> bytes:
    """The tarball at ``url``: at most ``package.size`` bytes, before the deadline."""
    what = f"{package.name}@{package.version} from {quote(url)}"
    chunks, total = [], 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            stated = response.headers.get("Content-Length", "")
            if stated.isdigit() and int(stated) > package.size:
                raise AssetError(
                    f"{what}: the registry offers {int(stated):,} bytes; the pinned size is {package.size:,}"
                )
            while chunk := response.read1(_CHUNK):  # returns what one receive brought
                total += len(chunk)
                if total > package.size:
                    raise AssetError(f"{what}: more than the pinned {package.size:,} bytes were sent")
                if time.monotonic() > deadline:
                    raise AssetError(f"{what}: too slow ({total:,} of {package.size:,} bytes before the deadline)")
                chunks.append(chunk)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise AssetError(f"cannot download {what}: no data for {timeout:g} s") from None
        raise AssetError(
            f"cannot download {what} ({quote(str(exc))}); the maps' scripts are cached in "
            f"{quote(str(cache_dir()))} after one run with network"
        ) from None
    return b"".join(chunks)


def _package_files(package: NpmPackage) -> dict[str, bytes]:
    path = cache_dir() / package.filename
    data = _verified(package, path.read_bytes(), str(path))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {
            m.name.split("/", 1)[1]: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile() and "/" in m.name
        }


def _css_with_data_urls(css: str, member: str, files: dict[str, bytes]) -> str:
    """Embed the images a stylesheet refers to (relative ``url(...)``) as ``data:`` URLs."""

    def embed(match: re.Match[str]) -> str:
        ref = match.group("ref")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(member), ref))
        if ref.startswith(("data:", "#")) or target not in files:
            return match.group(0)
        kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
        return f'url("data:{kind};base64,{base64.b64encode(files[target]).decode()}")'

    return _CSS_URL.sub(embed, css)


def inline_assets(page: str) -> str:
    """Replace every ``<script src>`` and stylesheet ``<link>`` of a folium page by its content.

    Packages missing from the cache are fetched first (see :func:`fetch_assets`). Raises
    :class:`~corridors.errors.AssetError` naming any URL that has no pinned npm source, so a
    page is never silently left depending on the network.
    """
    unknown = sorted(
        {m.group("url") for pattern in (_SCRIPT, _STYLESHEET) for m in pattern.finditer(page)} - set(FILES)
    )
    if unknown:
        raise AssetError(f"no pinned npm source for {', '.join(unknown)}; add it to corridors.assets.FILES")
    if missing_assets():
        fetch_assets()
    contents: dict[str, dict[str, bytes]] = {}

    def content(url: str) -> tuple[NpmPackage, str, str]:
        package = PACKAGES[FILES[url][0]]
        files = contents.setdefault(package.name, _package_files(package))
        member = FILES[url][1]
        if member not in files:
            raise AssetError(f"{package.filename} has no file {member} (for {url})")
        return package, member, files[member].decode("utf-8")

    def script(match: re.Match[str]) -> str:
        package, member, text = content(match.group("url"))
        text = text.replace("</script", "<\\/script")
        return f"<script>/* {package.name}@{package.version}/{member} ({package.licence}) */\n{text}\n</script>"

    def stylesheet(match: re.Match[str]) -> str:
        package, member, text = content(match.group("url"))
        text = _css_with_data_urls(text, member, contents[package.name]).replace("</style", "<\\/style")
        return f"<style>/* {package.name}@{package.version}/{member} ({package.licence}) */\n{text}\n</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, page))
