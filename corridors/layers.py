"""Find and read the bundled layers and users' own route files (the readers are in corridors.readers)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _validate
from ._crs import warn_if_lon_lat_swapped
from .errors import LayerNotFoundError, ValidationError
from .readers import VECTOR_SUFFIXES, read_geojson, read_vector_file

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "geodata_dir",
    "layer_path",
    "layer_summary",
    "list_layers",
    "read_events",
    "read_layer",
    "read_route_layers",
    "read_routes",
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
