"""Geodesic lengths, distances and areas on the WGS84 ellipsoid (pyproj.Geod)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

__all__ = ["area_km2", "distance_km", "length_km", "segment_lengths_m", "lengths_km"]


@lru_cache(maxsize=1)
def geod() -> Geod:
    """Return the WGS84 ellipsoid used for every measure of the package."""
    return Geod(ellps="WGS84")


def distance_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Geodesic distance between points, in kilometres (arrays broadcast).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        WGS84 longitudes and latitudes in degrees (scalars or arrays).
    """
    a = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    metres = geod().inv(*(v.ravel() for v in a))[2].reshape(a[0].shape)
    return metres / 1000.0 if metres.ndim else float(metres) / 1000.0


def segment_lengths_m(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Geodesic lengths of straight segments between lon/lat points, in metres."""
    if len(x0) == 0:
        return np.zeros(0)
    return geod().inv(x0, y0, x1, y1)[2]


def line_segments(geometries: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split lines into segments.

    Returns
    -------
    xy : numpy.ndarray
        Shape (n, 4): lon0, lat0, lon1, lat1 of every segment, in order of travel.
    owner : numpy.ndarray
        Position of the input geometry each segment belongs to.
    """
    geometries = np.asarray(geometries, dtype=object)
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[:-1] == part_of[1:]
    xy = np.column_stack([coords[:-1][same], coords[1:][same]])
    return xy, part_owner[part_of[:-1][same]]


def lengths_km(geometries: Any) -> np.ndarray:
    """Geodesic length of each line (LineString or MultiLineString), in kilometres.

    Parameters
    ----------
    geometries
        Array-like of shapely lines in WGS84 longitude/latitude degrees.
    """
    geometries = np.asarray(geometries, dtype=object)
    xy, owner = line_segments(geometries)
    metres = segment_lengths_m(xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3])
    return np.bincount(owner, weights=metres, minlength=len(geometries)) / 1000.0


def length_km(geometry: Any) -> float:
    """Geodesic length of one line in kilometres (WGS84 lon/lat input)."""
    return float(lengths_km([geometry])[0])


def area_km2(geometry: Any) -> float:
    """Geodesic area of a (multi)polygon in square kilometres (WGS84 lon/lat input)."""
    return abs(geod().geometry_area_perimeter(geometry)[0]) / 1e6


def densify(line: Any, max_segment_km: float) -> Any:
    """Insert vertices along each geodesic segment so none is longer than ``max_segment_km``.

    The new vertices lie on the geodesics, so the geodesic length is unchanged.
    """
    from shapely.geometry import LineString

    coords = shapely.get_coordinates(line)
    out = [tuple(coords[0])]
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True):
        steps = int(geod().inv(x0, y0, x1, y1)[2] / 1000 // max_segment_km)
        if steps:
            out.extend(geod().npts(x0, y0, x1, y1, steps))
        out.append((x1, y1))
    return LineString(out)
