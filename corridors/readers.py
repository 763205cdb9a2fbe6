"""Read one layer or route file: GeoJSON within the package's limits, or a GDAL or Parquet vector file, validated."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _limits, _validate
from .errors import ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = ["VECTOR_SUFFIXES", "read_geojson", "read_vector_file"]

VECTOR_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".fgb", ".shp")


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
