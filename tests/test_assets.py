"""The npm asset cache: pinned integrity, clear errors, complete inlining. No network is used."""

import re

import pytest

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
    assert cache_dir() == empty_cache and missing_assets() == []
    with pytest.raises(AssetError, match=r"leaflet@1\.9\.3 does not match its pinned sha512 integrity"):
        inline_assets(LEAFLET)


def test_unreachable_registry_is_one_clear_error(empty_cache, tmp_path, capsys):
    with pytest.raises(AssetError, match=r"cannot download leaflet@1\.9\.3 from http://127\.0\.0\.1:9/leaflet/-/"):
        fetch_assets()
    assert not empty_cache.exists() or not any(empty_cache.iterdir())  # nothing half-written
    assert main(["build", "astara_rasht", "--self-contained", "--quiet", "--out", str(tmp_path / "maps")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("corridors: error: cannot download")
