"""Find, read and validate the bundled GeoJSON layers and users' own route files."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _limits, _validate
from ._crs import warn_if_lon_lat_swapped
from .errors import LayerNotFoundError, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

__all__ = [
    "geodata_dir",
    "layer_path",
    "layer_summary",
    "list_layers",
    "read_events",
    "read_layer",
    "read_route_layers",
    "read_routes",
    "read_vector_file",
]

LAYERS = (
    "countries",
    "historic_azerbaijan",
    "nakhchivan",
    "zangezur_route",
    "iranian_bypass",
    "astara_rasht",
    "north_south_corridor",
    "rail_links",
    "armenia_iran",
    "pipelines",
    "places",
    "border_posts",
    "events",
    "lakes",
    "rivers",
    "seas",
    "capitals",
    "admin1",
)
ROUTE_LAYERS = (
    "zangezur_route",
    "iranian_bypass",
    "astara_rasht",
    "north_south_corridor",
    "rail_links",
    "armenia_iran",
    "pipelines",
)
VECTOR_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".fgb", ".shp")


def geodata_dir() -> Path:
    """Return the folder holding the layers: inside the installed package, else the repository's."""
    here = Path(__file__).resolve().parent
    packaged = here / "geodata"
    return packaged if packaged.is_dir() else here.parent / "geodata"


def list_layers() -> list[str]:
    """Return the names of the bundled layers, in the order data flows through them."""
    return list(LAYERS)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def _resolve(name: str) -> str:
    key = _key(name).removesuffix("_geojson")
    for layer in LAYERS:
        if key in (layer, layer.replace("_", "")) or key.replace("_", "") == layer.replace("_", ""):
            return layer
    close = difflib.get_close_matches(key, LAYERS, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise LayerNotFoundError(f"No layer named {name!r}.{hint} Available layers: {', '.join(LAYERS)}.")


def layer_path(name: str) -> Path:
    """Return the path of the GeoJSON file of layer ``name`` (forgiving lookup)."""
    return geodata_dir() / f"{_resolve(name)}.geojson"


def read_layer(name: str) -> gpd.GeoDataFrame:
    """Read a bundled layer as a validated GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    name
        Layer name; case, spaces, hyphens and a ``.geojson`` suffix are ignored
        (``"Zangezur route"`` finds ``zangezur_route``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature: ``id``, the feature's properties and ``geometry``
        (WGS84 longitude/latitude degrees).

    Raises
    ------
    LayerNotFoundError
        No layer has that name; the message lists the available layers.
    ValidationError
        The file breaks the layer's rules; the message names every problem.
    """
    layer = _resolve(name)
    return _read_cached(layer).copy()


def read_events(start: str | None = None, end: str | None = None) -> gpd.GeoDataFrame:
    """Read the ``events`` layer, keeping the events that overlap a date range.

    Parameters
    ----------
    start, end
        ISO dates (``YYYY-MM-DD``; ``YYYY-MM`` and ``YYYY`` are accepted), both inclusive; ``None``
        leaves that side open. An event lasting from ``date`` to ``date_end`` is kept when any day of it
        falls in the range; an event dated to a month or a year is kept when that period overlaps it.

    Returns
    -------
    geopandas.GeoDataFrame
        Points (EPSG:4326) with ``event_id``, ``name``, ``date``, ``date_end``, ``kind``, ``summary``,
        ``source`` and ``place_id``, sorted by date.

    Raises
    ------
    ValueError
        ``start`` or ``end`` is not an ISO date, or ``start`` is after ``end``.
    """
    low = _period(start, first=True) if start is not None else "0000-00-00"
    high = _period(end, first=False) if end is not None else "9999-99-99"
    if low > high:
        raise ValueError(f"start {start!r} is after end {end!r}")
    events = read_layer("events")
    first = events["date"].map(lambda d: _period(d, first=True))
    last = events["date_end"].where(events["date_end"].notna(), events["date"]).map(lambda d: _period(d, first=False))
    keep = (last >= low) & (first <= high)
    return events[keep.to_numpy()].sort_values(["date", "event_id"]).reset_index(drop=True)


def _period(value: str, *, first: bool) -> str:
    """The first (or last) day of an ISO date of full or reduced precision, as comparable text."""
    import datetime

    problem = ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise problem
    parts = value.split("-")
    try:
        datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        raise problem from None
    pad = ["01", "01"] if first else ["12", "31"]
    return "-".join(parts + pad[len(parts) - 1 :])


def read_route_layers() -> gpd.GeoDataFrame:
    """Read the bundled route layers (pipelines included) as one validated GeoDataFrame (EPSG:4326), in layer order."""
    import pandas as pd

    return pd.concat([read_layer(name) for name in ROUTE_LAYERS], ignore_index=True)


@cache
def _read_cached(layer: str) -> gpd.GeoDataFrame:
    path = geodata_dir() / f"{layer}.geojson"
    return read_geojson(path, kind=layer)


def read_routes(routes: Any) -> gpd.GeoDataFrame:
    """Return user routes as a validated GeoDataFrame of lines in EPSG:4326.

    Parameters
    ----------
    routes
        A GeoDataFrame with a declared CRS (any CRS; it is reprojected to WGS84), or the path
        of a GeoPackage, GeoParquet, FlatGeobuf or Shapefile file (by its suffix: ``.gpkg``,
        ``.parquet``/``.geoparquet``, ``.fgb``, ``.shp``) or else of a GeoJSON file.
        Only the geometry is required; ``route_id``
        defaults to the feature ``id`` (or its position), and ``mode``, ``status``
        and ``countries`` are checked when present. Heights (3D coordinates) are dropped.

    Raises
    ------
    ValidationError
        Listing every problem, each with the feature it concerns.

    Warns
    -----
    LonLatSwapWarning
        For routes whose longitudes and latitudes look swapped.
    """
    import geopandas as gpd

    if isinstance(routes, (str, PathLike)) and not str(routes):
        raise ValidationError("<no file>", ["file: no file name given (the path is empty)"])
    if isinstance(routes, (str, PathLike)) and Path(routes).suffix.lower() in VECTOR_SUFFIXES:
        frame = read_vector_file(Path(routes), kind="routes")
    elif isinstance(routes, (str, PathLike)):  # .geojson, .json, or any other name: read as GeoJSON
        frame = read_geojson(Path(routes), kind="routes")
    elif isinstance(routes, gpd.GeoDataFrame):
        frame = _frame_to_wgs84(routes)
        _validate.validate_frame(frame, _validate.SPECS["routes"], "<GeoDataFrame>")
    else:
        raise TypeError(f"routes must be a GeoDataFrame or a path, not {type(routes).__name__}")
    if "route_id" not in frame:
        frame["route_id"] = frame["id"].astype(str) if "id" in frame else [str(i) for i in range(len(frame))]
    else:
        fallback = frame["id"] if "id" in frame else frame.index.to_series()
        frame["route_id"] = frame["route_id"].where(frame["route_id"].notna(), fallback).astype(str)
    warn_if_lon_lat_swapped(frame, str(routes) if isinstance(routes, (str, PathLike)) else "<GeoDataFrame>", mark=True)
    return frame


def _frame_to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValidationError("<GeoDataFrame>", ["file: the GeoDataFrame has no CRS; set one with set_crs()"])
    frame = frame.copy()
    frame.geometry = frame.geometry.force_2d()
    return frame if frame.crs.equals("EPSG:4326") else frame.to_crs(4326)


def read_geojson(path: Path, *, kind: str) -> gpd.GeoDataFrame:
    """Read and validate one GeoJSON file against the rules of layer ``kind``.

    A bare Feature or Geometry is accepted as a collection of one feature. A legacy
    ``crs`` member naming a projected CRS is honoured (the data are reprojected);
    one that contradicts the coordinates is an error.
    """
    import geopandas as gpd
    import shapely
    from pyproj import CRS

    source = _limits.shown_path(path)
    spec = _validate.SPECS[kind]
    data = _limits.read_geojson_bytes(path)
    features = _validate.as_feature_collection(data, source)
    crs_name = _validate.declared_crs(data, source)
    crs = CRS.from_user_input(4326) if crs_name is None else _horizontal_crs(crs_name, source)
    problems, rows, geoms, labels = [], [], [], []
    keys: set[str] = set()
    for index, feature in enumerate(features):
        label = _validate.feature_label(feature, index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{label}: is not a GeoJSON Feature")
            continue
        found = _validate.check_geometry(feature.get("geometry"), spec.geometry_types)
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            found.append("properties is not an object")
        if found:
            # The frame checks will not see this feature: report its property problems now.
            if isinstance(props, dict) or props is None:
                found += _validate.check_properties(props, spec)
            problems.extend(f"{label}: {message}" for message in found)
            continue
        row = dict(props or {})
        keys.update(row)
        if len(keys) > _validate.MAX_PROPERTY_KEYS:
            # Each name becomes a column for every feature: refuse before the table grows.
            raise ValidationError(
                source,
                [
                    f"file: the features use more than {_validate.MAX_PROPERTY_KEYS} distinct property names "
                    f"(first ones: {_limits.quote(sorted(keys)[:5], 120)}); keep a layer's properties to a "
                    "fixed set"
                ],
            )
        fid = feature.get("id", row.get("id"))
        if fid is not None:
            row["id"] = fid
        rows.append(row)
        geoms.append(shapely.geometry.shape(_validate.geometry_2d(feature["geometry"])))
        labels.append(label)
    if problems:
        # Report the property problems of the sound features too: every problem at once.
        for label, row in zip(labels, rows, strict=True):
            problems.extend(f"{label}: {message}" for message in _validate.check_properties(row, spec))
        raise ValidationError(source, problems)
    if not rows:
        raise ValidationError(source, ["file: has no features"])
    if crs.is_projected and _looks_geographic(geoms):
        raise ValidationError(
            source,
            [f"file: declares projected CRS {_limits.quote(crs_name, 80)} but the coordinates look like degrees"],
        )
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
    if not crs.equals(CRS.from_user_input(4326)):
        frame = _to_wgs84(frame, crs_name or "", labels, source)
    _validate.validate_frame(frame, spec, source, labels)
    return frame


def _horizontal_crs(name: str, source: str) -> CRS:
    """The CRS a legacy ``crs`` member names; refused unless it places points on the Earth (geographic or
    projected): a vertical, engineering or geocentric CRS cannot locate a route."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        raise ValidationError(source, [f"file: unknown CRS {_limits.quote(name, 80)}"]) from None
    if crs.is_compound or not (crs.is_geographic or crs.is_projected):
        raise ValidationError(
            source,
            [
                f"file: CRS {_limits.quote(name, 80)} is of type {crs.type_name}; GeoJSON coordinates need "
                "a two-dimensional geographic or projected CRS"
            ],
        )
    return crs


def _to_wgs84(frame: gpd.GeoDataFrame, crs_name: str, labels: list[str], source: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326, refusing coordinates outside the CRS's domain (they do not transform back)."""
    import numpy as np
    import shapely

    original = frame.geometry.values
    frame = frame.to_crs(4326)
    back = frame.geometry.to_crs(original.crs).values
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.nan_to_num(np.abs(shapely.bounds(original)).max(axis=1), posinf=0.0) + 1.0
        same = shapely.equals_exact(back, original, tolerance=1e-7 * scale)
    if not same.all():
        problems = [
            f"{labels[i]}: coordinates fall outside the domain of CRS {_limits.quote(crs_name, 80)} "
            "(they do not transform to longitude and latitude and back)"
            for i in np.flatnonzero(~same)
        ]
        raise ValidationError(source, problems)
    return frame


def read_vector_file(path: Path, *, kind: str) -> gpd.GeoDataFrame:
    """Read a GeoPackage, GeoParquet, FlatGeobuf or Shapefile and validate it as GeoJSON would be.

    The file must hold one layer with a declared CRS (reprojected to WGS84); list properties
    stored as JSON text (``countries`` written by GDAL) are decoded before the checks.

    Raises
    ------
    ValidationError
        Unknown suffix, unreadable file, several layers, no CRS, or any problem of the layer's rules.
    """
    import geopandas as gpd
    import pyogrio

    source = _limits.shown_path(path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        known = ", ".join(VECTOR_SUFFIXES)
        raise ValidationError(source, [f"file: unknown format {_limits.quote(suffix, 40)}; known suffixes: {known}"])
    size = path.stat().st_size  # OSError for a missing or unreachable file: one line in the CLI
    if not path.is_file() or size > _limits.MAX_FILE_BYTES:
        what = "is not a regular file" if not path.is_file() else f"is {size:,} bytes"
        raise ValidationError(source, [f"file: {what}; at most {_limits.MAX_FILE_BYTES:,} bytes are read"])
    try:
        if suffix in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq

            fields = pq.read_schema(path).names
        else:
            names = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
            if len(names) > 1:
                raise ValidationError(source, [f"file: holds {len(names)} layers ({', '.join(names)}); keep one"])
            fields = list(pyogrio.read_info(path)["fields"])
        if len(fields) > _validate.MAX_PROPERTY_KEYS:  # checked before the table is built
            raise ValidationError(
                source, [f"file: {len(fields)} property columns; at most {_validate.MAX_PROPERTY_KEYS} are read"]
            )
        frame = gpd.read_parquet(path) if suffix in (".parquet", ".geoparquet") else gpd.read_file(path)
    except ValidationError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and geopandas raise many types for a file they cannot read
        reason = _limits.quote(" ".join(str(exc).split()), 200)
        raise ValidationError(source, [f"file: cannot be read as {suffix[1:]}: {reason}"]) from None
    if frame.empty:
        raise ValidationError(source, ["file: has no features"])
    if frame.crs is None:
        raise ValidationError(source, ["file: declares no CRS"])
    spec = _validate.SPECS[kind]
    for column in (*spec.iso_lists, "aliases", "alternate_names", "stops"):
        if column in frame:
            frame[column] = [_as_list(v) for v in frame[column]]
    frame.geometry = frame.geometry.force_2d()
    if not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs(4326)
    _validate.validate_frame(frame, spec, source)
    return frame


def _as_list(value: Any) -> Any:
    """A list property as read: JSON text (GDAL formats), an array (GeoParquet) or already a list."""
    import json

    if isinstance(value, str) and value.startswith("["):
        return json.loads(value)
    return value.tolist() if hasattr(value, "tolist") else value


def _looks_geographic(geoms: list[Any]) -> bool:
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90


def layer_summary() -> pd.DataFrame:
    """Return one row per bundled layer: name, feature count, geometry type and source."""
    import pandas as pd

    rows = []
    for name in LAYERS:
        frame = read_layer(name)
        types = sorted(set(frame.geom_type))
        sources = sorted(set(frame["source"]))
        rows.append({"layer": name, "features": len(frame), "geometry": "/".join(types), "source": "; ".join(sources)})
    return pd.DataFrame(rows)
