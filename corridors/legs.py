"""Route segments cut at country outlines into pieces, and pieces merged into per-country legs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from ._crs import to_wgs84
from ._near_grid import NEAR_DEG
from ._planar import SLACK_DEG, intersection_parameter
from .country_index import CountryIndex, window_deg
from .geodesy import geodesic_segments, line_segments
from .tolerance import DEFAULT_TOLERANCE_M, check_tolerance

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "RouteSegments",
    "legs_from_pieces",
    "legs_from_routes",
    "pieces_from_segments",
    "route_keys",
]


# A stay in a country shorter than this (metres) is no stay: the route touches or starts on an
# outline (1 m is ten thousand times the 0.1 mm of a 1e-9° shift that may create such a stay).
_END_RUN_M = 1.0
# Route segments near outlines examined at once: bounds the memory of the pairs (segment,
# outline segment) however long a route is.
_SEGMENTS_PER_BATCH = 100_000


def route_keys(routes: gpd.GeoDataFrame) -> np.ndarray:
    """The route of each row: its ``route_id`` as text, or the row position without that column."""
    if "route_id" in routes:
        return routes["route_id"].astype(str).to_numpy()
    return np.asarray([str(i) for i in range(len(routes))], dtype=object)


@dataclass(frozen=True)
class RouteSegments:
    """The straight segments of routes, in order of travel (rows sharing a ``route_id`` are one route).

    Attributes
    ----------
    keys
        ``route_id`` of each route, in order of first appearance; a route is its position here.
    xy
        Shape (n, 4): lon0, lat0, lon1, lat1 of every segment (WGS84 degrees).
    row
        Input row of each segment.
    route
        Route of each segment.
    length_m
        Geodesic length of each segment, in metres.
    route_of_row
        Route of each input row.
    """

    keys: np.ndarray
    xy: np.ndarray
    row: np.ndarray
    route: np.ndarray
    length_m: np.ndarray
    route_of_row: np.ndarray

    @classmethod
    def of(cls, routes: gpd.GeoDataFrame) -> RouteSegments:
        """Split the lines of ``routes`` (EPSG:4326) into segments that follow their geodesics; measure them.

        Segments are cut along the geodesic until the lon/lat line stays within
        :data:`~corridors.geodesy.MAX_GEODESIC_OFFSET_M` of it (see
        :func:`~corridors.geodesy.geodesic_segments`).
        """
        route_of_row, keys = pd.factorize(route_keys(routes))
        xy, row = line_segments(routes.geometry.values)
        xy, part_of, lengths = geodesic_segments(xy)
        row = row[part_of]
        return cls(np.asarray(keys, dtype=object), xy, row, route_of_row[row], lengths, route_of_row)


def pieces_from_segments(segments: RouteSegments, index: CountryIndex, *, tolerance_m: float) -> pd.DataFrame:
    """Cut every route segment at every country outline; one row per piece, in order of travel.

    A piece is a sub-segment near an outline, or a run of consecutive segments of a route that
    come nowhere near one (so lie in one country). Columns: ``route``, ``country`` (codes, see
    :class:`CountryIndex`), ``length_m``, ``border_m`` (distance of the midpoint to the nearest
    outline, ``inf`` beyond ``tolerance_m``), ``land_border``, the start point ``x``, ``y`` and
    the midpoint ``mx``, ``my`` of the first sub-segment (WGS84 degrees).
    """
    keep = segments.length_m > 0
    xy, route, lengths = segments.xy[keep], segments.route[keep], segments.length_m[keep]
    x0, y0, x1, y1 = xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3]
    mx, my = x0 + (x1 - x0) * 0.5, y0 + (y1 - y0) * 0.5
    window = window_deg(xy[:, 1::2], tolerance_m) if len(xy) and tolerance_m > 0 else 0.0
    # Clear: no outline within the search window of any point of the segment, hence no cut,
    # no border distance, and one country along consecutive clear segments. The grid answers
    # for most segments; the others are tested exactly.
    clear = index.clear_of_outlines(mx, my, np.hypot(x1 - x0, y1 - y0) / 2 + window)
    unsure = np.flatnonzero(~clear)
    near, crossings, close = _near_outlines(xy, unsure, index, window)
    clear[unsure] = True
    clear[near] = False
    joined = clear[1:] & clear[:-1] & (route[1:] == route[:-1]) & (x0[1:] == x1[:-1]) & (y0[1:] == y1[:-1])
    run_start = clear & ~np.r_[False, joined]
    runs = np.flatnonzero(run_start)
    run_country, several = index.country_codes(mx[runs], my[runs])
    # Where countries overlap, the first tile found may change along a run: test each piece.
    in_run = np.flatnonzero(clear)
    clear[in_run[several[np.cumsum(run_start)[in_run] - 1]]] = False
    runs, run_country = runs[~several], run_country[~several]
    in_run = np.flatnonzero(clear)
    run_length = np.add.reduceat(lengths[in_run], np.flatnonzero(run_start[in_run])) if len(runs) else np.zeros(0)
    cut = _cut(xy, np.flatnonzero(~clear), crossings, close, index, tolerance_m)
    order = np.argsort(np.r_[runs, cut["segment"]], kind="stable")
    border_m, land, country = cut.pop("border_m"), cut.pop("land_border"), cut.pop("country")
    columns = {
        "route": np.r_[route[runs], route[cut["segment"]]],
        "country": np.r_[run_country, country],
        "length_m": np.r_[run_length, lengths[cut["segment"]] * cut["fraction"]],
        "border_m": np.r_[np.full(len(runs), np.inf), border_m],
        "land_border": np.r_[np.zeros(len(runs), dtype=bool), land],
        "x": np.r_[x0[runs], cut["x"]],
        "y": np.r_[y0[runs], cut["y"]],
        "mx": np.r_[mx[runs], cut["mx"]],
        "my": np.r_[my[runs], cut["my"]],
    }
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def _near_outlines(
    xy: np.ndarray, unsure: np.ndarray, index: CountryIndex, window: float
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray] | None]:
    """Which segments ``xy[unsure]`` come within ``window`` degrees of an outline, and which cross one.

    Works through ``_SEGMENTS_PER_BATCH`` segments at a time. Within the grid's reach
    (``window <= NEAR_DEG``) every pair (segment, outline segment) within the window is kept too
    (``close``); wider windows hold too many pairs to keep, and only the nearest outline of each
    segment is looked up.

    Returns
    -------
    near : numpy.ndarray
        Positions in ``xy`` of the segments with an outline within ``window``.
    crossings : tuple of numpy.ndarray
        Pairs (position in ``xy``, outline segment) that intersect.
    close : tuple of numpy.ndarray or None
        Pairs within ``window``, sorted by segment (``None`` for wide windows).
    """
    wide = window > NEAR_DEG
    near, cross_seg, cross_edge, close_seg, close_edge = [], [], [], [], []
    for start in range(0, len(unsure), _SEGMENTS_PER_BATCH):
        part = unsure[start : start + _SEGMENTS_PER_BATCH]
        if wide:
            lines = shapely.linestrings(xy[part].reshape(-1, 2, 2))
            near.append(part[np.unique(index.edges.query_nearest(lines, max_distance=window + SLACK_DEG)[0])])
            hit, edge = index.edges.query(lines, predicate="intersects")
            cross_seg.append(part[hit])
            cross_edge.append(edge)
            continue
        hit, edge, gap = index.edges_within(xy[part], window)
        close_seg.append(part[hit])
        close_edge.append(edge)
        near.append(part[np.unique(hit)])
        may_cross = gap <= SLACK_DEG
        lines = shapely.linestrings(xy[part[hit[may_cross]]].reshape(-1, 2, 2))
        crossed = shapely.intersects(lines, index.edges.geometries[edge[may_cross]])
        cross_seg.append(part[hit[may_cross][crossed]])
        cross_edge.append(edge[may_cross][crossed])
    empty = np.zeros(0, dtype=np.int64)
    crossings = np.concatenate([empty, *cross_seg]), np.concatenate([empty, *cross_edge])
    close = None if wide else (np.concatenate([empty, *close_seg]), np.concatenate([empty, *close_edge]))
    return np.concatenate([empty, *near]), crossings, close


def _cut(
    xy: np.ndarray,
    near: np.ndarray,
    crossings: tuple[np.ndarray, np.ndarray],
    close: tuple[np.ndarray, np.ndarray] | None,
    index: CountryIndex,
    tolerance_m: float,
) -> dict[str, np.ndarray]:
    """Sub-segments of the segments ``xy[near]`` between the outlines that cross them.

    ``crossings`` pairs segments (positions in ``xy``, all in ``near``) with the outline
    segments that they intersect; ``close``, sorted by segment, with those within the search
    window. Keys: ``segment`` (position in ``xy``), ``fraction`` of its
    length, start ``x``, ``y``, midpoint ``mx``, ``my``, ``country``, ``border_m`` and
    ``land_border`` of the midpoint.
    """
    hit_seg, hit_edge = np.searchsorted(near, crossings[0]), crossings[1]
    xy = xy[near]
    t = intersection_parameter(xy[hit_seg], index.edge_xy[hit_edge])
    ok = np.isfinite(t) & (t > 0) & (t < 1)
    n = len(xy)
    seg_ids = np.concatenate([np.arange(n), np.arange(n), hit_seg[ok]])
    ts = np.concatenate([np.zeros(n), np.ones(n), t[ok]])
    order = np.lexsort((ts, seg_ids))
    seg_ids, ts = seg_ids[order], ts[order]
    valid = (seg_ids[:-1] == seg_ids[1:]) & (ts[1:] > ts[:-1])
    seg, t0, t1 = seg_ids[:-1][valid], ts[:-1][valid], ts[1:][valid]
    x0, y0, x1, y1 = (xy[seg, k] for k in range(4))
    tm = (t0 + t1) / 2
    mx, my = x0 + (x1 - x0) * tm, y0 + (y1 - y0) * tm
    candidates = None
    if close is not None:
        # Outlines within the window of a sub-segment's midpoint are within the window of its segment.
        start = np.searchsorted(close[0], near[seg])
        count = np.searchsorted(close[0], near[seg], side="right") - start
        pair = np.repeat(start - np.cumsum(count) + count, count) + np.arange(count.sum())
        candidates = np.repeat(np.arange(len(seg)), count), close[1][pair]
    border_m, land = index.border_distance_m(mx, my, tolerance_m, candidates)
    return {
        "segment": near[seg],
        "fraction": t1 - t0,
        "x": x0 + (x1 - x0) * t0,
        "y": y0 + (y1 - y0) * t0,
        "mx": mx,
        "my": my,
        "country": index.country_codes(mx, my)[0],
        "border_m": border_m,
        "land_border": land,
    }


def legs_from_pieces(pieces: pd.DataFrame, index: CountryIndex, *, tolerance_m: float) -> pd.DataFrame:
    """Merge pieces into legs, absorbing shallow excursions across a border.

    An interior run of pieces in one country whose every midpoint and vertex lies within
    ``tolerance_m`` of the country before or after it is not a real stay. Consecutive such runs
    between two real stays go to one of these two countries, by a rule that depends neither on
    the direction of travel nor on the vertices (see :func:`_merge_shallow`). The first and last
    runs of a route are never absorbed; runs shorter than 1 m join their neighbours first.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``leg``, ``country`` (codes), ``km_start``, ``km_end``, ``km``, ``lon``, ``lat``
        as in :func:`legs_from_routes`.
    """
    columns = ["route", "leg", "country", "km_start", "km_end", "km", "lon", "lat"]
    if pieces.empty:
        return pd.DataFrame(columns=columns)
    route, country = pieces["route"].to_numpy(), pieces["country"].to_numpy()
    country = _join_tiny_runs(route, country, pieces["length_m"].to_numpy())
    x, y = pieces["x"].to_numpy(), pieces["y"].to_numpy()
    start = np.r_[True, (route[1:] != route[:-1]) | (country[1:] != country[:-1])]
    run = np.cumsum(start) - 1
    run_route, run_country = route[start], country[start]
    depth = np.maximum.reduceat(pieces["border_m"].to_numpy(), np.flatnonzero(start))
    first = np.r_[True, run_route[1:] != run_route[:-1]]
    last = np.r_[first[1:], True]
    candidate = (depth <= tolerance_m) & ~first & ~last
    shallow = np.zeros(len(run_route), dtype=bool)
    if candidate.any():
        rows = np.flatnonzero(candidate[run])
        allowed = np.column_stack([run_country[run[rows] - 1], run_country[run[rows] + 1]])
        # Deepest point of each run: its sub-segment midpoints and its vertices.
        depth = index.distance_to_countries_m(
            np.r_[pieces["mx"].to_numpy()[rows], x[rows]],
            np.r_[pieces["my"].to_numpy()[rows], y[rows]],
            np.r_[allowed, allowed],
            tolerance_m,
        )
        depth = np.maximum(depth[: len(rows)], depth[len(rows) :])
        group = np.r_[True, run[rows][1:] != run[rows][:-1]]
        deepest = np.maximum.reduceat(depth, np.flatnonzero(group))
        shallow[run[rows][group][deepest <= tolerance_m]] = True
    merged_country = _merge_shallow(run, run_country, shallow)
    length = pieces["length_m"].to_numpy()
    km_end = pd.Series(length).groupby(route, sort=False).cumsum().to_numpy() / 1000.0
    new_leg = np.r_[True, (route[1:] != route[:-1]) | (merged_country[1:] != merged_country[:-1])]
    leg_start = np.flatnonzero(new_leg)
    legs = pd.DataFrame(
        {
            "route": route[new_leg],
            "country": merged_country[new_leg],
            "km": np.add.reduceat(length, leg_start) / 1000.0,
            "km_end": np.maximum.reduceat(km_end, leg_start),
            "lon": x[new_leg],
            "lat": y[new_leg],
        }
    )
    legs["km_start"] = legs["km_end"] - legs["km"]
    legs["leg"] = legs.groupby("route", sort=False).cumcount() + 1
    return legs[columns]


def _join_tiny_runs(route: np.ndarray, country: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Countries of the pieces once every run shorter than ``_END_RUN_M`` joins its neighbours.

    A route drawn through a vertex of an outline, or starting on one (a border post, a corner),
    would otherwise stay a fraction of a millimetre on the other side, or not, after a shift of
    1e-9°. A tiny run takes the country of the nearest run that is not tiny, before or after it
    in the same route; between two such runs of different countries, the lower country code
    (the same in both directions of travel).
    """
    start = np.r_[True, (route[1:] != route[:-1]) | (country[1:] != country[:-1])]
    starts = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    run_route, run_country = route[starts], country[starts]
    n = len(starts)
    tiny = np.add.reduceat(length_m, starts) < _END_RUN_M if n else np.zeros(0, dtype=bool)
    if not tiny.any():
        return country
    position = np.arange(n)
    before = np.maximum.accumulate(np.where(tiny, -1, position))
    after = np.minimum.accumulate(np.where(tiny, n, position)[::-1])[::-1]
    has_before = (before >= 0) & (run_route[np.maximum(before, 0)] == run_route)
    has_after = (after < n) & (run_route[np.minimum(after, n - 1)] == run_route)
    p, q = run_country[np.maximum(before, 0)], run_country[np.minimum(after, n - 1)]
    joined = np.where(has_before, p, np.where(has_after, q, run_country))
    joined = np.where(has_before & has_after, np.minimum(p, q), joined)
    return np.where(tiny, joined, run_country)[run]


def _merge_shallow(run: np.ndarray, run_country: np.ndarray, shallow: np.ndarray) -> np.ndarray:
    """Country of each piece once the shallow runs are absorbed by the real stays around them.

    A stretch of consecutive shallow runs between stays in countries P (before) and N (after)
    goes to P when P is N, else to the lower country code of P and N (the sea, code -1, first).
    Any rule that splits the stretch at a piece depends on where the route has vertices, and
    one that gives it to P depends on the direction of travel; this one depends on neither.
    Either way the stretch lies within the tolerance of both countries.

    Parameters
    ----------
    run, run_country, shallow
        Run of each piece; country and shallowness of each run (first and last runs of a
        route are never shallow).
    """
    n = len(run_country)
    position = np.arange(n)
    before = np.maximum.accumulate(np.where(shallow, 0, position))
    after = np.minimum.accumulate(np.where(shallow, n - 1, position)[::-1])[::-1]
    merged = np.where(shallow, np.minimum(run_country[before], run_country[after]), run_country)
    return merged[run]


def legs_from_routes(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> pd.DataFrame:
    """Split each route into legs, one per country in order of travel.

    Parameters
    ----------
    routes
        Lines with a declared CRS (reprojected to EPSG:4326); rows sharing a ``route_id`` are
        one route, taken in row order.
    countries
        The ``countries`` layer (``iso_a2`` + polygons) or a prebuilt :class:`CountryIndex`.
    tolerance_m
        Excursions into another country no deeper than this (metres) do not count.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``leg`` (1, 2, …), ``country`` (ISO alpha-2 or ``"sea"``), ``km_start``,
        ``km_end``, ``km`` (geodesic kilometres) and the leg's start point ``lon``, ``lat`` (WGS84 degrees).
        Per route the ``km`` add up to the route's geodesic length.

    Raises
    ------
    ValidationError
        If ``routes`` has no CRS.
    ToleranceError
        If ``tolerance_m`` is not finite or not within 0 … :data:`~corridors.tolerance.MAX_TOLERANCE_M`.
    """
    tolerance_m = check_tolerance(tolerance_m)
    index = CountryIndex.coerce(countries)
    segments = RouteSegments.of(to_wgs84(routes, "<routes>"))
    legs = legs_from_pieces(
        pieces_from_segments(segments, index, tolerance_m=tolerance_m), index, tolerance_m=tolerance_m
    )
    legs.insert(0, "route_id", segments.keys[legs.pop("route").to_numpy(dtype=np.int64)])
    legs["country"] = index.labels[legs["country"].to_numpy(dtype=np.int64)]
    return legs
