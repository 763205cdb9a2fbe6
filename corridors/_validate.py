"""Parse and validate GeoJSON layers and user routes, collecting every problem."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ValidationError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 1_000
STATUSES = ("operational", "under_construction", "planned", "proposed", "defunct")
MODES = ("rail", "road", "sea")
CONFIDENCES = ("surveyed", "digitised", "schematic")
PROVENANCE = ("source", "licence", "retrieved", "method")
# Longitude/latitude box of the region the package covers (Moscow to Mumbai,
# Istanbul to Almaty): used to recognise coordinates given as (lat, lon).
REGION_BOUNDS = (20.0, 5.0, 80.0, 60.0)
# How a country polygon was made: OpenStreetMap detail, Natural Earth context, or both (Russia).
COUNTRY_QUALITY = ("detailed", "context", "mixed")
_ISO = re.compile(r"^[A-Z]{2}$")
_LINES = ("LineString", "MultiLineString")
_AREAS = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class LayerSpec:
    """What a layer must contain: geometry types and required properties."""

    geometry_types: tuple[str, ...]
    required: tuple[str, ...] = ()
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    iso_lists: tuple[str, ...] = ()
    provenance: bool = True
    # Features lie in REGION_BOUNDS, so that swapped axes can be recognised (not so for the world).
    regional: bool = True


_ROUTE = LayerSpec(
    _LINES,
    required=("route_id", "name", "mode", "status", "countries", "geometry_confidence", "sources"),
    enums={"mode": MODES, "status": STATUSES, "geometry_confidence": CONFIDENCES},
    iso_lists=("countries",),
)
SPECS: dict[str, LayerSpec] = {
    "countries": LayerSpec(
        _AREAS, required=("iso_a2", "name", "quality"), enums={"quality": COUNTRY_QUALITY}, regional=False
    ),
    "historic_azerbaijan": LayerSpec(
        _AREAS,
        required=("name", "part", "definition", "population", "population_source"),
        enums={"part": ("north", "south"), "definition": ("core", "with_zanjan")},
    ),
    "nakhchivan": LayerSpec(_AREAS, required=("name", "iso_a2")),
    "zangezur_route": _ROUTE,
    "iranian_bypass": _ROUTE,
    "astara_rasht": _ROUTE,
    "north_south_corridor": _ROUTE,
    "rail_links": _ROUTE,
    "places": LayerSpec(("Point",), required=("name", "iso_a2", "kind")),
    "border_posts": LayerSpec(("Point",), required=("name", "countries", "kind"), iso_lists=("countries",)),
    # Basemap layers (display only; scripts/build_basemap.py).
    "lakes": LayerSpec(_AREAS, required=("name",)),
    "rivers": LayerSpec(_LINES, required=("name",)),
    "seas": LayerSpec(("Point",), required=("name",)),
    "capitals": LayerSpec(("Point",), required=("name", "iso_a2")),
    "admin1": LayerSpec((*_AREAS, "Point"), required=("name", "iso_a2")),
    # Routes supplied by users: only the geometry is required; the optional
    # properties are checked when present.
    "routes": LayerSpec(
        _LINES,
        enums={"mode": MODES, "status": STATUSES, "geometry_confidence": CONFIDENCES},
        iso_lists=("countries",),
        provenance=False,
    ),
}


def read_geojson_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Read a GeoJSON file into a Python object, with specific errors for bad bytes."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError(str(path), [f"file: cannot be read ({exc.strerror})"]) from None
    if size > max_bytes:
        raise ValidationError(
            str(path),
            [f"file: {size / 2**20:.0f} MiB is larger than the {max_bytes / 2**20:.0f} MiB limit; split it"],
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise ValidationError(str(path), ["file: is empty"])
    try:
        text = raw.decode("utf-8-sig")  # RFC 7946 forbids a BOM; tolerate and drop it
    except UnicodeDecodeError as exc:
        raise ValidationError(
            str(path), [f"file: is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"]
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except _NonFinite as exc:
        raise ValidationError(str(path), [f"file: contains {exc.args[0]}, which JSON does not allow"]) from None
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ValidationError(
            str(path), [f"file: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"]
        ) from None


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFinite(name)


def as_feature_collection(data: Any, source: str) -> list[dict[str, Any]]:
    """Return the features of a FeatureCollection; a bare Feature or Geometry is wrapped."""
    if not isinstance(data, dict) or "type" not in data:
        raise ValidationError(source, ["file: is not a GeoJSON object (no 'type' member)"])
    kind = data["type"]
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise ValidationError(source, ["file: FeatureCollection has no 'features' list"])
        return features
    if kind == "Feature":
        return [data]
    if kind in ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "MultiPoint"):
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    raise ValidationError(source, [f"file: GeoJSON type {kind!r} is not a FeatureCollection, Feature or Geometry"])


def declared_crs(data: Any, source: str) -> str | None:
    """Return the CRS named by a legacy GeoJSON ``crs`` member (``None`` when absent or CRS84)."""
    crs = data.get("crs") if isinstance(data, dict) else None
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str):
        raise ValidationError(source, ["file: 'crs' member has no properties.name"])
    if re.search(r"CRS84$|EPSG::?4326$", name):
        return None
    return name


def _coordinates(geometry: Mapping[str, Any]) -> Any:
    return geometry.get("coordinates")


def _flatten(coords: Any, depth: int) -> list[Any] | None:
    """Flatten nested coordinate arrays to a list of positions; ``None`` if malformed."""
    if depth == 0:
        return [coords]
    if not isinstance(coords, list):
        return None
    out: list[Any] = []
    for item in coords:
        flat = _flatten(item, depth - 1)
        if flat is None:
            return None
        out.extend(flat)
    return out


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def check_geometry(geometry: Any, allowed: tuple[str, ...]) -> list[str]:
    """Return the problems of one GeoJSON geometry object (empty when it is sound)."""
    if geometry is None:
        return ["geometry is null"]
    if not isinstance(geometry, dict) or "type" not in geometry:
        return ["geometry is not a GeoJSON geometry object"]
    kind = geometry["type"]
    if kind not in allowed:
        return [f"geometry type {kind} is not allowed here (expected {' or '.join(allowed)})"]
    flat = _flatten(_coordinates(geometry), _DEPTH[kind])
    if flat is None:
        return [f"{kind} coordinates are not nested arrays"]
    if not flat:
        return [f"{kind} has no coordinates"]
    problems: list[str] = []
    bad = [p for p in flat if not (isinstance(p, list) and len(p) >= 2 and all(_is_number(v) for v in p))]
    if bad:
        return [f"{len(bad)} positions are not [lon, lat] number pairs (first: {str(bad[0])[:40]})"]
    if any(not all(math.isfinite(v) for v in p) for p in flat):
        return ["coordinates contain NaN or infinity"]
    problems.extend(_shape_problems(kind, _coordinates(geometry)))
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shape_problems(kind: str, coords: Any) -> list[str]:
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        for line in lines:
            if len({tuple(p[:2]) for p in line}) < 2:
                return ["LineString needs at least two distinct positions"]
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [coords] if kind == "Polygon" else coords
        for polygon in polygons:
            for ring in polygon:
                if len(ring) < 4:
                    return ["polygon ring has fewer than 4 positions"]
                if ring[0][:2] != ring[-1][:2]:
                    return ["polygon ring is not closed (first and last positions differ)"]
    return []


def feature_label(feature: Any, index: int) -> str:
    """Name a feature in messages by its id (or its position when it has none)."""
    if isinstance(feature, dict):
        props = feature.get("properties")
        fid = feature.get("id", props.get("id") if isinstance(props, dict) else None)
        if isinstance(fid, (str, int)) and not isinstance(fid, bool):
            return f"feature {str(fid)[:60]!r}"
    return f"feature #{index}"


def check_properties(properties: Any, spec: LayerSpec) -> list[str]:
    """Return the problems of one feature's properties against ``spec``."""
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        return ["properties is not an object"]
    problems = []
    required = spec.required + (PROVENANCE if spec.provenance else ())
    for key in required:
        if properties.get(key) in (None, "", []):
            problems.append(f"missing property {key!r}")
    for key, allowed in spec.enums.items():
        value = properties.get(key)
        if value is not None and value not in allowed:
            problems.append(f"{key} {str(value)[:40]!r} is not one of {', '.join(allowed)}")
    for key in spec.iso_lists:
        value = properties.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and _ISO.match(v) for v in value):
            problems.append(f"{key} must be a list of ISO 3166-1 alpha-2 codes, got {str(value)[:40]}")
    for key, value in properties.items():
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            problems.append(f"property {key!r} is {len(value):,} characters long (limit {MAX_TEXT_CHARS:,})")
    return problems


def validate_frame(frame: Any, spec: LayerSpec, source: str, labels: list[str] | None = None) -> None:
    """Check a GeoDataFrame in EPSG:4326 against ``spec``; raise one error listing every problem.

    The checks are vectorised over the geometry column: geometry type, emptiness, finite coordinates,
    longitude/latitude ranges (recognising swapped axes), validity of polygons and unique ids.
    """
    import numpy as np
    import shapely

    if labels is None:
        labels = [f"feature {str(i)[:60]!r}" for i in frame["id"]] if "id" in frame else None
        labels = labels or [f"feature #{i}" for i in range(len(frame))]
    problems: dict[int, list[str]] = {}

    def add(mask: Any, message: Any) -> None:
        for i in np.flatnonzero(np.asarray(mask)):
            problems.setdefault(int(i), []).append(message(i) if callable(message) else message)

    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    add(missing, "geometry is null")
    types = shapely.get_type_id(geoms)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    wrong = ~missing & ~np.isin(names[np.clip(types, 0, 7)], spec.geometry_types)
    add(
        wrong,
        lambda i: f"geometry type {names[types[i]]} is not allowed here (expected {' or '.join(spec.geometry_types)})",
    )
    ok = ~missing & ~wrong
    empty = ok & shapely.is_empty(geoms)
    add(empty, "geometry is empty")
    ok &= ~empty
    bounds = shapely.bounds(geoms)
    finite = np.isfinite(bounds).all(axis=1)
    add(ok & ~finite, "coordinates contain NaN or infinity")
    ok &= finite
    west, south, east, north = REGION_BOUNDS
    in_region = (bounds[:, 0] >= west) & (bounds[:, 2] <= east) & (bounds[:, 1] >= south) & (bounds[:, 3] <= north)
    swapped_in = (bounds[:, 1] >= west) & (bounds[:, 3] <= east) & (bounds[:, 0] >= south) & (bounds[:, 2] <= north)
    swapped = ok & ~in_region & swapped_in & spec.regional
    add(
        swapped,
        "coordinates look like (latitude, longitude): read as (lon, lat) they fall outside the region "
        f"{REGION_BOUNDS} but swapped they fall inside it; GeoJSON order is [longitude, latitude]",
    )
    in_range = (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
    add(
        ok & ~swapped & ~in_range,
        lambda i: (
            f"coordinates out of range (bounds {', '.join(f'{v:.6g}' for v in bounds[i])}); is the CRS projected?"
        ),
    )
    ok &= in_range & ~swapped
    invalid = ok & ~shapely.is_valid(geoms)
    add(invalid, lambda i: f"invalid geometry: {shapely.is_valid_reason(geoms[i])}")
    lines = ok & np.isin(types, (1, 5))
    short = lines & (shapely.length(geoms) == 0)
    add(short, "LineString needs at least two distinct positions")

    if "id" in frame:
        ids = frame["id"].astype(str)
        dup = ids.duplicated(keep=False).to_numpy() & frame["id"].notna().to_numpy()
        add(dup, lambda i: f"duplicate id {ids.iloc[i][:60]!r}")
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    for i, record in enumerate(records):
        clean = {k: v for k, v in record.items() if not _is_null(v)}
        for message in check_properties(clean, spec):
            problems.setdefault(i, []).append(message)
    if problems:
        raise ValidationError(source, [f"{labels[i]}: {m}" for i in sorted(problems) for m in problems[i]])


def _is_null(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return value is None
