"""Parse and validate GeoJSON layers and user routes, collecting every problem."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._limits import MAX_FILE_BYTES, quote  # noqa: F401 (MAX_FILE_BYTES: also read here by other readers)
from .errors import ValidationError

MAX_TEXT_CHARS = 1_000
MAX_PROPERTY_KEYS = 100  # distinct property names of one file: each becomes a column of the table
STATUSES = (
    "operational",
    "under_construction",
    "under_reconstruction",
    "completed_not_open",
    "planned",
    "proposed",
    "suspended",
    "defunct",
)
MODES = ("rail", "road", "sea", "pipeline")
# surveyed: track from a map source; traced: planned alignment from a map source; schematic: through places.
QUALITIES = ("surveyed", "traced", "schematic")
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
    required=(
        "route_id",
        "route_name",
        "name",
        "mode",
        "status",
        "status_as_of",
        "status_source",
        "geometry_quality",
        "countries",
        "sources",
    ),
    enums={"mode": MODES, "status": STATUSES, "geometry_quality": QUALITIES},
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
    "armenia_iran": _ROUTE,
    "pipelines": _ROUTE,
    "places": LayerSpec(("Point",), required=("place_id", "name", "iso_a2", "country", "kind")),
    "events": LayerSpec(("Point",), required=("event_id", "name", "date", "kind", "summary", "place_id")),
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
        enums={"mode": MODES, "status": STATUSES, "geometry_quality": QUALITIES},
        iso_lists=("countries",),
        provenance=False,
    ),
}


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
    raise ValidationError(
        source, [f"file: GeoJSON type {quote(kind, 60)} is not a FeatureCollection, Feature or Geometry"]
    )


def declared_crs(data: Any, source: str) -> str | None:
    """Return the CRS named by a legacy GeoJSON ``crs`` member (``None`` when absent or CRS84)."""
    crs = data.get("crs") if isinstance(data, dict) else None
    if crs is None:
        return None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if not isinstance(properties, dict):
        raise ValidationError(source, ["file: 'crs' member has no 'properties' object"])
    name = properties.get("name")
    if not isinstance(name, str):
        raise ValidationError(source, ["file: 'crs' member has no properties.name"])
    if len(name) > MAX_TEXT_CHARS:
        raise ValidationError(source, [f"file: CRS name is {len(name):,} characters long (limit {MAX_TEXT_CHARS:,})"])
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
        shown = kind if isinstance(kind, str) and kind in _DEPTH else quote(kind, 60)
        return [f"geometry type {shown} is not allowed here (expected {' or '.join(allowed)})"]
    flat = _flatten(_coordinates(geometry), _DEPTH[kind])
    if flat is None:
        return [f"{kind} coordinates are not nested arrays"]
    if not flat:
        return [f"{kind} has no coordinates"]
    problems: list[str] = []
    bad = [p for p in flat if not (isinstance(p, list) and len(p) >= 2 and all(_is_number(v) for v in p))]
    if bad:
        return [f"{len(bad)} positions are not [lon, lat] number pairs (first: {quote(bad[0], 40)})"]
    extended = [p for p in flat if len(p) > 3]
    if extended:
        return [
            f"{len(extended)} positions have more than 3 values (first: {quote(extended[0], 60)}); "
            "a GeoJSON position is [lon, lat] or [lon, lat, height]"
        ]
    if any(not all(math.isfinite(v) for v in p) for p in flat):
        return ["coordinates contain NaN or infinity"]
    problems.extend(_shape_problems(kind, _coordinates(geometry)))
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def geometry_2d(geometry: dict[str, Any]) -> dict[str, Any]:
    """A sound GeoJSON geometry (see :func:`check_geometry`) without heights: every position cut to [lon, lat].

    Mixed 2-D and 3-D positions are accepted this way.
    """
    depth = _DEPTH[geometry["type"]]
    coords = geometry["coordinates"]
    if all(len(p) == 2 for p in _flatten(coords, depth) or ()):
        return geometry
    return {"type": geometry["type"], "coordinates": _cut(coords, depth)}


def _cut(coords: Any, depth: int) -> Any:
    return coords[:2] if depth == 0 else [_cut(c, depth - 1) for c in coords]


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
            return f"feature {quote(str(fid), 60)}"
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
            problems.append(f"{key} {quote(value, 60)} is not one of {', '.join(allowed)}")
    for key in spec.iso_lists:
        value = properties.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and _ISO.match(v) for v in value):
            problems.append(f"{key} must be a list of ISO 3166-1 alpha-2 codes, got {quote(value, 60)}")
    for key, value in properties.items():
        if len(key) > MAX_TEXT_CHARS:
            problems.append(f"property name {quote(key, 60)} is {len(key):,} characters long")
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
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
        labels = [f"feature {quote(str(i), 60)}" for i in frame["id"]] if "id" in frame else None
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
    # Measured only where the coordinates are sound: no RuntimeWarning from infinities.
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[ok] = ~shapely.is_valid(geoms[ok])
    add(invalid, lambda i: f"invalid geometry: {shapely.is_valid_reason(geoms[i])}")
    lines = ok & np.isin(types, (1, 5))
    short = np.zeros(len(geoms), dtype=bool)
    short[lines] = shapely.length(geoms[lines]) == 0
    add(short, "LineString needs at least two distinct positions")

    if "id" in frame:
        ids = frame["id"].astype(str)
        dup = ids.duplicated(keep=False).to_numpy() & frame["id"].notna().to_numpy()
        add(dup, lambda i: f"duplicate id {quote(ids.iloc[i], 60)}")
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
