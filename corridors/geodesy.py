"""Geodesic lengths, distances and areas on the WGS84 ellipsoid (pyproj.Geod)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

__all__ = [
    "MAX_GEODESIC_OFFSET_M",
    "area_km2",
    "distance_km",
    "geodesic_segments",
    "length_km",
    "lengths_km",
    "offset_from_line_m",
    "segment_lengths_m",
]


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
    lon_a, lat_a, lon_b, lat_b = (v.ravel() for v in a)
    metres = geod().inv(lon_a, lat_a, lon_b, lat_b)[2].reshape(a[0].shape)
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


# Lon/lat lines are drawn straight between vertices, lengths are geodesic: segments are cut so
# that the straight line stays within this many metres of the geodesic (the route's true path),
# so that the split between countries does not depend on how densely a route was drawn.
# 1 m rather than the ~10 m first planned: where a route runs at a grazing angle to an outline,
# an offset of d moves the cut by d / sin(angle); 1 m keeps densified and plain drawings of a
# route within 0.01% of each other per country (tests/test_properties.py).
MAX_GEODESIC_OFFSET_M = 1.0
# Below this length a segment departs from its geodesic by less than 0.7 m at any latitude up
# to 80° (the offset of an east-west segment is about length² · tan(lat) / (8 R)), so it is not
# examined: the 2 km steps of typical routes cost nothing.
_CHECK_ABOVE_M = 2_500.0
# Cut into parts for an offset of 0.8 · MAX_GEODESIC_OFFSET_M (the offset of a part falls as
# the square of the number of parts), and at most this many parts per segment.
_TARGET_SHARE = 0.8
_MAX_PARTS = 100_000
_MAX_ROUNDS = 6


def geodesic_segments(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut lon/lat segments along their geodesics until each stays near its geodesic.

    Each segment whose straight lon/lat line departs by more than
    :data:`MAX_GEODESIC_OFFSET_M` from its geodesic (measured at a quarter, half and three
    quarters of the way) is cut into equal geodesic parts, and the parts are checked again;
    the new vertices lie on the geodesic.

    Parameters
    ----------
    xy
        Shape (n, 4): lon0, lat0, lon1, lat1 of each segment, WGS84 degrees.

    Returns
    -------
    xy : numpy.ndarray
        Shape (m, 4), m >= n: the parts, in order.
    owner : numpy.ndarray
        Position in the input of the segment each part belongs to.
    length_m : numpy.ndarray
        Geodesic length of each part, in metres (per segment they add up to its length).
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 4)
    owner = np.arange(len(xy))
    if len(xy) == 0:
        return xy, owner, np.zeros(0)
    azimuth, _, length = geod().inv(xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3])
    for _ in range(_MAX_ROUNDS):
        parts = _parts_needed(xy, azimuth, length)
        if (parts == 1).all():
            break
        xy, azimuth, length, within = _cut_equal(xy, azimuth, length, parts)
        owner = owner[within]
    return xy, owner, length


def _parts_needed(xy: np.ndarray, azimuth: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Number of equal geodesic parts that bring each segment within the offset allowed."""
    parts = np.ones(len(xy), dtype=np.int64)
    long = np.flatnonzero(length > _CHECK_ABOVE_M)
    if len(long) == 0:
        return parts
    offset = np.zeros(len(long))
    for share in (0.25, 0.5, 0.75):
        lon, lat, _ = geod().fwd(xy[long, 0], xy[long, 1], azimuth[long], length[long] * share)
        offset = np.maximum(offset, offset_from_line_m(lon, lat, xy[long]))
    need = np.ceil(np.sqrt(offset / (_TARGET_SHARE * MAX_GEODESIC_OFFSET_M)))
    parts[long] = np.clip(np.nan_to_num(need, nan=1.0), 1, _MAX_PARTS).astype(np.int64)
    return parts


def _cut_equal(
    xy: np.ndarray, azimuth: np.ndarray, length: np.ndarray, parts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each segment into ``parts`` equal geodesic parts: their xy, azimuth, length and segment."""
    within = np.repeat(np.arange(len(xy)), parts)
    step = np.arange(len(within)) - np.repeat(np.cumsum(parts) - parts, parts)  # 0 … parts-1
    part_m = length[within] / parts[within]
    start = xy[within, :2].copy()
    cut = np.flatnonzero(step > 0)
    lon, lat, _ = geod().fwd(start[cut, 0], start[cut, 1], azimuth[within[cut]], part_m[cut] * step[cut])
    start[cut] = np.column_stack([lon, lat])
    end = np.empty_like(start)
    end[:-1] = start[1:]
    last = np.r_[step[1:] == 0, True]  # the last part of each segment ends at the segment's end
    end[last] = xy[:, 2:]
    out = np.column_stack([start, end])
    new_azimuth = azimuth[within].copy()
    new_azimuth[cut] = geod().inv(lon, lat, end[cut, 0], end[cut, 1])[0]
    return out, new_azimuth, part_m, within


def offset_from_line_m(lon: np.ndarray, lat: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Metres from each point to its straight lon/lat segment (rows lon0, lat0, lon1, lat1).

    Local planar estimate (longitudes scaled by the cosine of the point's latitude, 111.32 km
    per degree), within about 1% for the short distances it is used for.
    """
    scale = np.cos(np.radians(lat))
    x0, x1 = xy[:, 0] * scale, xy[:, 2] * scale
    dx, dy = x1 - x0, xy[:, 3] - xy[:, 1]
    px, py = lon * scale - x0, lat - xy[:, 1]
    length2 = dx * dx + dy * dy
    along = np.clip(np.divide(px * dx + py * dy, length2, out=np.zeros_like(length2), where=length2 > 0), 0, 1)
    return np.hypot(px - along * dx, py - along * dy) * 111_320.0
