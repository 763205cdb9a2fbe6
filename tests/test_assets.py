"""The npm asset cache: pinned integrity, clear errors, complete inlining. No network is used."""

import errno
import http.server
import os
import re
import threading
import time

import pytest

import corridors.assets as assets
from corridors.assets import FILES, PACKAGES, cache_dir, fetch_assets, inline_assets, missing_assets
from corridors.cli import main
from corridors.errors import AssetError

LEAFLET = (
    '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>\n'
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>\n'
)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "npm"))
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9/")  # refused at once: no network
    return tmp_path / "npm"


def test_inlines_scripts_styles_and_their_images():
    if missing_assets():
        pytest.fail(f"npm cache incomplete ({', '.join(missing_assets())}): run `corridors assets` once")
    page = inline_assets(f"<html><head>{LEAFLET}</head></html>")
    assert "<script src=" not in page and "<link" not in page
    assert "leaflet@1.9.3/dist/leaflet.js (BSD-2-Clause)" in page and "Leaflet 1.9.3" in page
    assert 'url("data:image/png;base64,' in page  # images/layers.png of the layer control
    assert not re.search(r"url\(images/", page)


def test_every_pinned_file_comes_from_a_pinned_package():
    assert {package for package, _ in FILES.values()} == set(PACKAGES)
    assert all(p.integrity.startswith("sha512-") for p in PACKAGES.values())


def test_unknown_url_is_named():
    page = '<script src="https://example.org/evil.js"></script>'
    with pytest.raises(AssetError, match="no pinned npm source for https://example.org/evil.js"):
        inline_assets(page)


def test_tampered_tarball_is_refused(empty_cache):
    empty_cache.mkdir()
    for package in PACKAGES.values():
        (empty_cache / package.filename).write_bytes(b"not the package")
    assert cache_dir() == empty_cache and len(missing_assets()) == len(PACKAGES)  # the hash is checked
    with pytest.raises(AssetError, match=r"the cached leaflet-1\.9\.3\.tgz does not match its pinned hash, and cannot"):
        inline_assets(LEAFLET)


def test_unreachable_registry_is_one_clear_error(empty_cache, tmp_path, capsys):
    with pytest.raises(AssetError, match=r"cannot download leaflet@1\.9\.3 from 'http://127\.0\.0\.1:9/leaflet/-/"):
        fetch_assets()
    assert not empty_cache.exists() or not any(empty_cache.iterdir())  # nothing half-written
    assert main(["build", "astara_rasht", "--self-contained", "--quiet", "--out", str(tmp_path / "maps")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("corridors: error: cannot download")


def test_tampered_tarball_is_never_inlined(empty_cache, monkeypatch):
    empty_cache.mkdir()
    (empty_cache / PACKAGES["leaflet"].filename).write_bytes(b"not the package")
    monkeypatch.setattr(assets, "missing_assets", lambda: [])  # as if the cache changed after the check
    with pytest.raises(AssetError, match=r"leaflet@1\.9\.3 does not match its pinned sha512 integrity"):
        inline_assets(LEAFLET)


# A registry on 127.0.0.1 that misbehaves on purpose; every answer is bounded and stops by itself.
class Registry(http.server.BaseHTTPRequestHandler):
    behaviour = "tarball"
    tarballs: dict[str, bytes] = {}

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        data = self.tarballs.get(self.path.rsplit("/", 1)[-1], b"")
        try:
            if self.behaviour == "tarball":
                self.answer(data, len(data))
            elif self.behaviour == "endless":  # more than stated, up to 8 MB
                self.answer(b"\0" * 65536, None, repeat=128)
            elif self.behaviour == "huge_length":
                self.answer(b"", 10**12)
            elif self.behaviour == "slow":  # one byte every 50 ms, for at most 10 s
                self.answer(b"\0", None, repeat=200, pause=0.05)
            elif self.behaviour == "silent":  # headers, then nothing for 3 s
                self.answer(b"", None, pause=3)
        except OSError:
            pass  # the client hung up: done

    def answer(self, chunk, length, repeat=1, pause=0.0):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        for _ in range(repeat):
            time.sleep(pause)
            self.wfile.write(chunk)
            self.wfile.flush()


@pytest.fixture(scope="module")
def real_tarballs():
    if missing_assets():
        pytest.fail(f"npm cache incomplete ({', '.join(missing_assets())}): run `corridors assets` once")
    return {p.filename: (cache_dir() / p.filename).read_bytes() for p in PACKAGES.values()}


@pytest.fixture
def registry(real_tarballs, empty_cache, monkeypatch):
    """Serve on 127.0.0.1 only; set the behaviour with ``registry.behaviour = ...``."""
    handler = type("Handler", (Registry,), {"tarballs": real_tarballs})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", f"http://127.0.0.1:{server.server_address[1]}/")
    yield handler
    server.shutdown()
    server.server_close()


def test_download_fills_the_cache(registry, empty_cache, capsys):
    assert main(["assets"]) == 0
    assert missing_assets() == []
    out = capsys.readouterr().out
    assert out.count("downloaded ") == len(PACKAGES) and out.count("cached ") == len(PACKAGES)


def test_corrupt_cached_tarball_is_repaired(registry, empty_cache, real_tarballs, capsys):
    empty_cache.mkdir()
    for name, data in real_tarballs.items():
        (empty_cache / name).write_bytes(data)
    broken = empty_cache / PACKAGES["jquery"].filename
    good = real_tarballs[broken.name]
    broken.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # same size, one bit wrong
    assert missing_assets() == ["jquery@3.7.1"]
    assert main(["assets"]) == 0
    assert f"repaired {broken}" in capsys.readouterr().out
    assert broken.read_bytes() == real_tarballs[broken.name]


@pytest.mark.parametrize(
    ("behaviour", "options", "message"),
    [
        ("endless", {}, r"more than the pinned 863,887 bytes were sent"),
        ("huge_length", {}, r"the registry offers 1,000,000,000,000 bytes; the pinned size is 863,887"),
        ("slow", {"deadline_s": 0.3}, r"too slow \(\d+ of 863,887 bytes before the deadline\)"),
        ("silent", {"read_timeout_s": 0.2}, r"no data for 0\.2 s"),
    ],
)
def test_misbehaving_registry_is_cut_off(registry, empty_cache, behaviour, options, message):
    registry.behaviour = behaviour
    with pytest.raises(AssetError, match=r"leaflet@1\.9\.3 from 'http://127\.0\.0\.1:\d+/leaflet/-/.*" + message):
        fetch_assets(**options)
    assert not empty_cache.exists() or not any(empty_cache.iterdir())


def test_deadline_is_one_line_in_the_cli(registry, empty_cache, monkeypatch, capsys):
    registry.behaviour = "slow"
    monkeypatch.setattr(assets, "DEADLINE_S", 0.3)
    assert main(["assets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too slow" in err


@pytest.mark.parametrize("value", ["not a url", "ftp://example.org/", "http://", "http://[::1", "x" * 5000])
def test_registry_that_is_not_a_url_is_one_line(empty_cache, monkeypatch, capsys, value):
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", value)
    assert main(["assets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not an http(s) URL" in err and len(err) < 400


def test_cache_that_is_a_file_is_one_line(registry, tmp_path, monkeypatch, capsys):
    target = tmp_path / "cache"
    target.write_text("a file")
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(target))
    assert main(["assets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err


@pytest.mark.parametrize(("code", "text"), [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space left")])
def test_cache_that_cannot_be_written_is_one_line(registry, monkeypatch, capsys, code, text):
    """A read-only or full cache (simulated: the tests may run as root, which ignores permissions)."""

    def refuse(path, data):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(assets, "write_atomic", refuse)
    assert main(["assets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write the npm cache '{cache_dir()}' ({text}" in err
