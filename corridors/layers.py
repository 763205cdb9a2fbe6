"""Find, read and validate the bundled GeoJSON layers and users' own route files."""

from __future__ import annotations

import difflib
import unicodedata
from functools import cache
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _validate
from .errors import LayerNotFoundError, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "geodata_dir",
    "layer_path",
    "layer_summary",
    "list_layers",
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
    "places",
    "border_posts",
    "lakes",
    "rivers",
    "seas",
    "capitals",
    "admin1",
)
ROUTE_LAYERS = ("zangezur_route", "iranian_bypass", "astara_rasht", "north_south_corridor", "rail_links")


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


def read_route_layers() -> gpd.GeoDataFrame:
    """Read the five bundled route layers as one validated GeoDataFrame (EPSG:4326), in layer order."""
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
        A GeoDataFrame with a declared CRS (any CRS; it is reprojected to WGS84),
        or the path of a GeoJSON file. Only the geometry is required; ``route_id``
        defaults to the feature ``id`` (or its position), and ``mode``, ``status``
        and ``countries`` are checked when present. Heights (3D coordinates) are dropped.

    Raises
    ------
    ValidationError
        Listing every problem, each with the feature it concerns.
    """
    import geopandas as gpd

    if isinstance(routes, (str, PathLike)):
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

    source = str(path)
    spec = _validate.SPECS[kind]
    data = _validate.read_geojson_bytes(path)
    features = _validate.as_feature_collection(data, source)
    crs_name = _validate.declared_crs(data, source)
    crs = CRS.from_user_input(4326)
    if crs_name is not None:
        try:
            crs = CRS.from_user_input(crs_name)
        except Exception:  # pyproj raises CRSError, a subclass of Exception only
            raise ValidationError(source, [f"file: unknown CRS {crs_name!r}"]) from None
    problems, rows, geoms, labels = [], [], [], []
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
        fid = feature.get("id", row.get("id"))
        if fid is not None:
            row["id"] = fid
        rows.append(row)
        geoms.append(shapely.force_2d(shapely.geometry.shape(feature["geometry"])))
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
            source, [f"file: declares projected CRS {crs_name!r} but the coordinates look like degrees"]
        )
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
    if not crs.equals(CRS.from_user_input(4326)):
        frame = frame.to_crs(4326)
    _validate.validate_frame(frame, spec, source, labels)
    return frame


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
