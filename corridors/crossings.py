"""Per-country legs of routes and their border crossings, robust to routes along border rivers."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .geodesy import distance_km, line_segments, segment_lengths_m

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_TOLERANCE_M", "CountryIndex", "crossings_from_routes", "legs_from_routes"]

# A crossing counts only when the route goes deeper than this into another country.
# Justification (see README, "Border tolerance"): along the Aras the OpenStreetMap polygons
# of neighbouring countries leave gaps of up to ~100 m (the Armenia–Iran border is 34 km
# where the two outlines coincide and 44 km within 100 m), the river channel is 50–150 m
# wide, and the lines digitised along a bank sit 300 m from the border. 500 m covers these
# and stays far below the narrowest territory a route really crosses (the Meghri strip).
DEFAULT_TOLERANCE_M = 500.0
SEA = "sea"
_TILE_DEG = 1.0
_METRES_PER_DEG = 111_320.0
# Edges of two countries closer than this (degrees, ~150 m) form a land border, not a coast.
_SHARED_EDGE_DEG = 0.0015
# Grid of cells (degrees) flagged where an outline comes within _NEAR_DEG (~2 km) of the cell.
# A short route segment whose midpoint lies in an unflagged cell neither crosses nor comes near
# any outline: it needs no geometric test (see pieces_from_segments).
_GRID_DEG = 0.01
_NEAR_DEG = 0.02
_SLACK_DEG = 1e-9  # covers rounding in the cell arithmetic


@dataclass(frozen=True)
class CountryIndex:
    """Spatial indexes over a countries layer, built once and reused for every route.

    Attributes
    ----------
    names
        ISO codes of the countries; elsewhere a country is its position in ``names``, and
        ``-1`` (the last entry of :attr:`labels`) is the sea.
    codes
        Country of each tile.
    tiles
        STRtree of the country polygons cut into 1-degree tiles (fast point-in-polygon).
    edges
        STRtree of every outline segment (land borders and coasts).
    edge_xy
        Shape (n, 4): lon0, lat0, lon1, lat1 of each outline segment (WGS84 degrees).
    land
        For each outline segment, whether it borders another country (not the sea).
    edge_code
        Country of each outline segment.
    near
        Packed bits, one per cell of a grid of ``_GRID_DEG`` cells: set where an outline comes
        within ``_NEAR_DEG`` of the cell.
    grid
        Lon and lat of the grid's south-west corner (degrees) and its number of cells along
        lon and lat.
    """

    names: np.ndarray
    codes: np.ndarray
    tiles: shapely.STRtree
    edges: shapely.STRtree
    edge_xy: np.ndarray
    land: np.ndarray
    edge_code: np.ndarray
    near: np.ndarray
    grid: tuple[float, float, int, int]

    def __post_init__(self) -> None:
        shapely.prepare(self.tiles.geometries)  # fast point-in-polygon tests in country_codes

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # Rebuilt through the constructor, so that unpickled tiles are prepared too.
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

    @classmethod
    def from_countries(cls, countries: gpd.GeoDataFrame) -> CountryIndex:
        """Build the indexes from a layer with ``iso_a2`` and polygon geometries in EPSG:4326."""
        geoms = np.asarray(countries.geometry.values, dtype=object)
        country, names = pd.factorize(countries["iso_a2"].to_numpy(dtype=object))
        tiles, tile_codes = [], []
        for geom, code in zip(geoms, country, strict=True):
            xmin, ymin, xmax, ymax = shapely.bounds(geom)
            xs = np.arange(np.floor(xmin), xmax, _TILE_DEG)
            ys = np.arange(np.floor(ymin), ymax, _TILE_DEG)
            boxes = shapely.box(*np.meshgrid(xs, ys), *np.meshgrid(xs + _TILE_DEG, ys + _TILE_DEG)).ravel()
            pieces = shapely.intersection(geom, boxes)
            keep = ~shapely.is_empty(pieces)
            tiles.extend(pieces[keep])
            tile_codes.extend([code] * int(keep.sum()))
        rings = shapely.boundary(geoms)
        edge_xy, edge_owner = line_segments(rings)
        edge_geoms = shapely.linestrings(edge_xy.reshape(-1, 2, 2))
        # An edge is a land border when its midpoint lies within ~150 m of another country's edge.
        mid = shapely.points((edge_xy[:, 0] + edge_xy[:, 2]) / 2, (edge_xy[:, 1] + edge_xy[:, 3]) / 2)
        edge_tree = shapely.STRtree(edge_geoms)
        hit_mid, hit_other = edge_tree.query(mid, predicate="dwithin", distance=_SHARED_EDGE_DEG)
        other = edge_owner[hit_other] != edge_owner[hit_mid]
        land = np.zeros(len(edge_xy), dtype=bool)
        land[hit_mid[other]] = True
        near, grid = _near_grid(edge_xy)
        return cls(
            np.asarray(names, dtype=object),
            np.asarray(tile_codes, dtype=np.int16),
            shapely.STRtree(tiles),
            edge_tree,
            edge_xy,
            land,
            country[edge_owner].astype(np.int16),
            near,
            grid,
        )

    @property
    def labels(self) -> np.ndarray:
        """ISO code of each country code, then ``"sea"`` (so that code ``-1`` reads ``"sea"``)."""
        return np.append(self.names, SEA)

    def country_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ISO code of the country containing each point, ``"sea"`` outside every polygon."""
        return self.labels[self.country_codes(x, y)[0]]

    def country_codes(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Country code of each point (``-1``: sea), and whether it lies in several countries.

        Where countries overlap (or on a shared outline), the first tile found wins.
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        hit_point, hit_tile = self.tiles.query(shapely.points(x, y))
        inside = shapely.intersects_xy(self.tiles.geometries[hit_tile], x[hit_point], y[hit_point])
        hit_point, hit_code = hit_point[inside], self.codes[hit_tile[inside]]
        out = np.full(len(x), -1, dtype=np.int16)
        out[hit_point[::-1]] = hit_code[::-1]  # first hit wins
        several = np.zeros(len(x), dtype=bool)
        several[hit_point[hit_code != out[hit_point]]] = True
        return out, several

    def clear_of_outlines(self, x: np.ndarray, y: np.ndarray, reach_deg: np.ndarray) -> np.ndarray:
        """Whether no outline comes within ``reach_deg`` (planar degrees) of each point.

        A cheap, conservative test on the grid of :attr:`near`: ``False`` where unsure.
        """
        x0, y0, nx, ny = self.grid
        ix = np.floor((x - x0) / _GRID_DEG)
        iy = np.floor((y - y0) / _GRID_DEG)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        cell = np.where(inside, ix * ny + iy, 0).astype(np.int64)
        flagged = (self.near[cell >> 3] >> (7 - (cell & 7)).astype(np.uint8)) & 1
        return (reach_deg <= _NEAR_DEG) & ~(inside & (flagged == 1))

    def distance_to_countries_m(self, x: np.ndarray, y: np.ndarray, allowed: np.ndarray, within_m: float) -> np.ndarray:
        """Geodesic metres from each point to the nearest outline of one of its ``allowed`` countries.

        ``allowed`` has one row of country codes per point. ``inf`` where no such outline lies
        within ``within_m``.
        """
        distance = np.full(len(x), np.inf)
        if len(x) == 0 or within_m <= 0:
            return distance
        points = shapely.points(x, y)
        hit_point, hit_edge, _ = self.edges_within(np.column_stack([x, y]), _window_deg(y, within_m))
        keep = (self.edge_code[hit_edge, None] == allowed[hit_point]).any(axis=1)
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        # Over a few kilometres, geodesic metres are planar distances with longitudes scaled by the
        # cosine of the latitude, times 111.32 km give or take 1% (the ellipsoid's degrees vary so
        # much): only pairs within 5% of the least such distance may be the nearest.
        scale = np.cos(np.radians(y[hit_point]))
        edge_xy = self.edge_xy[hit_edge] * np.column_stack([scale, np.ones_like(scale)] * 2)
        estimate = _point_segment_deg(x[hit_point] * scale, y[hit_point], edge_xy)
        keep = estimate <= _least(hit_point, estimate, len(x)) * 1.05 + _SLACK_DEG
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        np.minimum.at(distance, hit_point, self._metres_to_edges(points, hit_point, hit_edge))
        distance[distance > within_m] = np.inf
        return distance

    def edges_within(self, xy: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (segment of ``xy``, outline segment) no farther apart than ``distance`` degrees.

        ``xy`` has one row lon0, lat0, lon1, lat1 per segment, or lon, lat per point. Pairs
        within rounding error of ``distance`` may be included too.

        Returns
        -------
        hit, edge : numpy.ndarray
            Position of each pair's segment in ``xy`` and its outline segment, in order of ``xy``.
        gap : numpy.ndarray
            Planar distance of each pair, in degrees (up to rounding).
        """
        reach = distance + _SLACK_DEG
        lo, hi = np.minimum(xy[:, :2], xy[:, -2:]) - reach, np.maximum(xy[:, :2], xy[:, -2:]) + reach
        # A line from corner to corner has the box as its envelope, and is faster to make than the box.
        hit, edge = self.edges.query(shapely.linestrings(np.stack([lo, hi], axis=1)))
        if xy.shape[1] == 2:
            gap = _point_segment_deg(xy[hit, 0], xy[hit, 1], self.edge_xy[edge])
        else:
            gap = _segment_gap_deg(xy[hit], self.edge_xy[edge])
        near = gap <= reach
        return hit[near], edge[near], gap[near]

    def border_distance_m(
        self,
        x: np.ndarray,
        y: np.ndarray,
        within_m: float,
        candidates: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance in metres from each point to the nearest outline segment, if within ``within_m``.

        ``candidates``, if given, pairs points with outline segments and holds at least every
        outline segment within the search window of each point (see :meth:`edges_within`).

        Returns
        -------
        distance : numpy.ndarray
            Geodesic metres; ``inf`` where no outline lies within ``within_m``.
        land : numpy.ndarray
            Whether that nearest segment is a land border (rather than a coast).
        """
        distance = np.full(len(x), np.inf)
        land = np.zeros(len(x), dtype=bool)
        if len(x) == 0 or within_m <= 0:
            return distance, land
        points = shapely.points(x, y)
        window = _window_deg(y, within_m)
        if window > _NEAR_DEG:  # wide windows hold too many outline segments to compare them all
            hit_point, hit_edge = self._query_nearest(points, window)
        else:
            if candidates is None:
                candidates = self.edges_within(np.column_stack([x, y]), window)[:2]
            hit_point, hit_edge = self._nearest_edges(points, x, y, candidates, window)
        metres = self._metres_to_edges(points, hit_point, hit_edge)
        ok = metres <= within_m
        distance[hit_point[ok]] = metres[ok]
        land[hit_point[ok]] = self.land[hit_edge[ok]]
        return distance, land

    def _nearest_edges(
        self, points: np.ndarray, x: np.ndarray, y: np.ndarray, candidates: tuple[np.ndarray, np.ndarray], window: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point, its nearest outline segment) for the points with one within ``window`` degrees.

        As the first pair per point of ``STRtree.query_nearest(points, max_distance=window)``,
        found among the ``candidates`` (pairs point, outline segment).
        """
        hit_point, hit_edge = candidates
        # Keep the pairs that are nearest by a planar estimate, then measure those exactly.
        estimate = _point_segment_deg(x[hit_point], y[hit_point], self.edge_xy[hit_edge])
        keep = estimate <= _least(hit_point, estimate, len(points)) + _SLACK_DEG
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        gap = shapely.distance(points[hit_point], self.edges.geometries[hit_edge])
        keep = (gap == _least(hit_point, gap, len(points))) & (gap <= window)
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        first, count = np.unique(hit_point, return_index=True, return_counts=True)[1:]
        # Equally near segments (e.g. two meeting at the nearest vertex) may give the same
        # answer; where they do not, STRtree.query_nearest chooses among them, as it always did.
        pair = np.flatnonzero(np.repeat(count > 1, count))
        lead = np.searchsorted(pair, np.repeat(first, count)[pair])  # first pair of the point
        near_points, near_edges = points[hit_point[pair]], self.edges.geometries[hit_edge[pair]]
        ends = shapely.get_coordinates(shapely.shortest_line(near_points, near_edges))[1::2]
        land = self.land[hit_edge[pair]]
        differ = (ends != ends[lead]).any(axis=1) | (land != land[lead])
        tied = np.unique(hit_point[pair][differ])
        hit_point, hit_edge = hit_point[first], hit_edge[first]
        if len(tied):
            tied_point, tied_edge = self._query_nearest(points[tied], window)
            hit_edge[np.searchsorted(hit_point, tied[tied_point])] = tied_edge
        return hit_point, hit_edge

    def _query_nearest(self, points: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
        """The first pair per point of ``STRtree.query_nearest(points, max_distance=window)``."""
        hit_point, hit_edge = self.edges.query_nearest(points, max_distance=window)
        first = np.unique(hit_point, return_index=True)[1]
        return hit_point[first], hit_edge[first]

    def _metres_to_edges(self, points: np.ndarray, hit_point: np.ndarray, hit_edge: np.ndarray) -> np.ndarray:
        """Geodesic metres from each ``points[hit_point]`` to the nearest point of its paired edge."""
        if len(hit_point) == 0:
            return np.zeros(0)
        pairs = shapely.get_coordinates(shapely.shortest_line(points[hit_point], self.edges.geometries[hit_edge]))
        pairs = pairs.reshape(-1, 4)
        return segment_lengths_m(pairs[:, 0], pairs[:, 1], pairs[:, 2], pairs[:, 3])


def _least(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each value, the least value of its group (groups ``0 … n-1``)."""
    least = np.full(n, np.inf)
    np.minimum.at(least, group, values)
    return least[group]


def _segment_gap_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Planar distance in degrees between paired segments (rows lon0, lat0, lon1, lat1); 0 where they cross."""
    gap = np.minimum.reduce(
        [
            _point_segment_deg(a[:, 0], a[:, 1], b),
            _point_segment_deg(a[:, 2], a[:, 3], b),
            _point_segment_deg(b[:, 0], b[:, 1], a),
            _point_segment_deg(b[:, 2], b[:, 3], a),
        ]
    )
    # Where rounding misjudges a crossing, an end lies within rounding error of the other segment.
    crossing = (_side(a, b[:, :2]) * _side(a, b[:, 2:]) < 0) & (_side(b, a[:, :2]) * _side(b, a[:, 2:]) < 0)
    return np.where(crossing, 0.0, gap)


def _side(segment_xy: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Positive where each point lies left of its segment (lon0, lat0, lon1, lat1), negative right."""
    x0, y0 = segment_xy[:, 0], segment_xy[:, 1]
    return (segment_xy[:, 2] - x0) * (point[:, 1] - y0) - (segment_xy[:, 3] - y0) * (point[:, 0] - x0)


def _point_segment_deg(x: np.ndarray, y: np.ndarray, segment_xy: np.ndarray) -> np.ndarray:
    """Planar distance in degrees from each point to its segment (lon0, lat0, lon1, lat1)."""
    x0, y0 = segment_xy[:, 0], segment_xy[:, 1]
    dx, dy = segment_xy[:, 2] - x0, segment_xy[:, 3] - y0
    length2 = dx * dx + dy * dy
    along = np.divide((x - x0) * dx + (y - y0) * dy, length2, out=np.zeros_like(length2), where=length2 > 0)
    np.clip(along, 0, 1, out=along)
    return np.hypot(x0 + along * dx - x, y0 + along * dy - y)


def _near_grid(edge_xy: np.ndarray) -> tuple[np.ndarray, tuple[float, float, int, int]]:
    """Packed flags of the grid cells that an outline comes within ``_NEAR_DEG`` of, and the grid."""
    # Points along every edge, at most _GRID_DEG apart: each point of an edge lies within
    # _GRID_DEG / 2 of one of them.
    dx, dy = edge_xy[:, 2] - edge_xy[:, 0], edge_xy[:, 3] - edge_xy[:, 1]
    steps = np.maximum(np.ceil(np.hypot(dx, dy) / _GRID_DEG), 1).astype(np.int64)
    edge = np.repeat(np.arange(len(edge_xy)), steps + 1)
    fraction = (np.arange(len(edge)) - np.repeat(np.cumsum(steps + 1) - steps - 1, steps + 1)) / steps[edge]
    px, py = edge_xy[edge, 0] + dx[edge] * fraction, edge_xy[edge, 1] + dy[edge] * fraction
    reach = _NEAR_DEG + _GRID_DEG / 2 + _SLACK_DEG
    x0, y0 = px.min() - reach - _GRID_DEG, py.min() - reach - _GRID_DEG
    nx = int((px.max() + reach - x0) / _GRID_DEG) + 2
    ny = int((py.max() + reach - y0) / _GRID_DEG) + 2
    # Flag every cell that overlaps the square of half-side `reach` around a point.
    span = np.arange(int(np.ceil(2 * reach / _GRID_DEG)) + 1)
    lo_x, hi_x = np.floor((px - reach - x0) / _GRID_DEG), np.floor((px + reach - x0) / _GRID_DEG)
    lo_y, hi_y = np.floor((py - reach - y0) / _GRID_DEG), np.floor((py + reach - y0) / _GRID_DEG)
    near = np.zeros(nx * ny, dtype=bool)
    for step in span:  # a few steps along lon; all lat steps at once
        ix = lo_x + step
        iy = lo_y[:, None] + span[None, :]
        ok = (ix <= hi_x)[:, None] & (iy <= hi_y[:, None])
        near[(np.broadcast_to(ix[:, None], iy.shape) * ny + iy)[ok].astype(np.int64)] = True
    return np.packbits(near), (float(x0), float(y0), nx, ny)


def _window_deg(y: np.ndarray, within_m: float) -> float:
    """Search window in degrees for ``within_m`` metres: generous in longitude at the highest latitude."""
    return within_m / (_METRES_PER_DEG * max(np.cos(np.radians(np.abs(y).max())), 0.2))


def _route_keys(routes: gpd.GeoDataFrame) -> np.ndarray:
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
        """Split the lines of ``routes`` (EPSG:4326) into segments and measure them."""
        route_of_row, keys = pd.factorize(_route_keys(routes))
        xy, row = line_segments(routes.geometry.values)
        lengths = segment_lengths_m(xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3])
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
    window = _window_deg(xy[:, 1::2], tolerance_m) if len(xy) and tolerance_m > 0 else 0.0
    # Clear: no outline within the search window of any point of the segment, hence no cut,
    # no border distance, and one country along consecutive clear segments. The grid answers
    # for most segments; the others are tested exactly.
    clear = index.clear_of_outlines(mx, my, np.hypot(x1 - x0, y1 - y0) / 2 + window)
    unsure = np.flatnonzero(~clear)
    hit, edge, gap = index.edges_within(xy[unsure], window)
    hit = unsure[hit]
    clear[unsure] = True
    clear[hit] = False
    may_cross = gap <= _SLACK_DEG
    lines = shapely.linestrings(xy[hit[may_cross]].reshape(-1, 2, 2))
    crossed = shapely.intersects(lines, index.edges.geometries[edge[may_cross]])
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
    crossings = hit[may_cross][crossed], edge[may_cross][crossed]
    cut = _cut(xy, np.flatnonzero(~clear), crossings, (hit, edge), index, tolerance_m)
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


def _cut(
    xy: np.ndarray,
    near: np.ndarray,
    crossings: tuple[np.ndarray, np.ndarray],
    close: tuple[np.ndarray, np.ndarray],
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
    t = _intersection_parameter(xy[hit_seg], index.edge_xy[hit_edge])
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


def _intersection_parameter(route_xy: np.ndarray, edge_xy: np.ndarray) -> np.ndarray:
    """Position (0–1) along each route segment where it meets the paired outline segment."""
    px, py = route_xy[:, 0], route_xy[:, 1]
    rx, ry = route_xy[:, 2] - px, route_xy[:, 3] - py
    qx, qy = edge_xy[:, 0], edge_xy[:, 1]
    sx, sy = edge_xy[:, 2] - qx, edge_xy[:, 3] - qy
    denom = rx * sy - ry * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom != 0, ((qx - px) * sy - (qy - py) * sx) / denom, np.nan)


def legs_from_pieces(pieces: pd.DataFrame, index: CountryIndex, *, tolerance_m: float) -> pd.DataFrame:
    """Merge pieces into legs, absorbing shallow excursions across a border.

    An interior run of pieces in one country whose every midpoint lies within ``tolerance_m``
    of the country before or after it is not a real stay: it is given to the country the route
    came from. The first and last runs of a route are never absorbed.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``leg``, ``country`` (codes), ``km_start``, ``km_end``, ``km``, ``x``, ``y``
        as in :func:`legs_from_routes`.
    """
    columns = ["route", "leg", "country", "km_start", "km_end", "km", "x", "y"]
    if pieces.empty:
        return pd.DataFrame(columns=columns)
    route, country = pieces["route"].to_numpy(), pieces["country"].to_numpy()
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
    # A shallow run takes the country of the last run before it that is not shallow.
    merged_country = run_country[np.maximum.accumulate(np.where(shallow, 0, np.arange(len(shallow))))][run]
    new_leg = np.r_[True, (route[1:] != route[:-1]) | (merged_country[1:] != merged_country[:-1])]
    leg_start = np.flatnonzero(new_leg)
    length = pieces["length_m"].to_numpy()
    km_end = pd.Series(length).groupby(route, sort=False).cumsum().to_numpy() / 1000.0
    legs = pd.DataFrame(
        {
            "route": route[new_leg],
            "country": merged_country[new_leg],
            "km": np.add.reduceat(length, leg_start) / 1000.0,
            "km_end": np.maximum.reduceat(km_end, leg_start),
            "x": x[new_leg],
            "y": y[new_leg],
        }
    )
    legs["km_start"] = legs["km_end"] - legs["km"]
    legs["leg"] = legs.groupby("route", sort=False).cumcount() + 1
    return legs[columns]


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
        Lines in EPSG:4326; rows sharing a ``route_id`` are one route, taken in row order.
    countries
        The ``countries`` layer (``iso_a2`` + polygons) or a prebuilt :class:`CountryIndex`.
    tolerance_m
        Excursions into another country no deeper than this (metres) do not count.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``leg`` (1, 2, …), ``country`` (ISO alpha-2 or ``"sea"``), ``km_start``,
        ``km_end``, ``km`` (geodesic kilometres) and the leg's start point ``x``, ``y``.
        Per route the ``km`` add up to the route's geodesic length.
    """
    index = countries if isinstance(countries, CountryIndex) else CountryIndex.from_countries(countries)
    segments = RouteSegments.of(routes)
    legs = legs_from_pieces(
        pieces_from_segments(segments, index, tolerance_m=tolerance_m), index, tolerance_m=tolerance_m
    )
    legs.insert(0, "route_id", segments.keys[legs.pop("route").to_numpy(dtype=np.int64)])
    legs["country"] = index.labels[legs["country"].to_numpy(dtype=np.int64)]
    return legs


def crossings_from_legs(
    legs: pd.DataFrame,
    border_posts: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per border crossing: where consecutive legs of a route change country.

    Parameters
    ----------
    legs
        Output of :func:`legs_from_routes`.
    border_posts
        Points with ``name``; the nearest one and its distance (km) are reported.
    regions
        Polygons with ``name`` (e.g. the ``nakhchivan`` layer); a crossing that arrives in one
        of them names it in ``arrives_in`` (exclaves are first-class).
    """
    columns = ["route_id", "seq", "from", "to", "km_along", "lon", "lat", "border_post", "border_post_km", "arrives_in"]
    if legs.empty:
        return pd.DataFrame(columns=columns)
    same = legs["route_id"].to_numpy()[1:] == legs["route_id"].to_numpy()[:-1]
    before, after = legs.iloc[:-1][same], legs.iloc[1:][same]
    out = pd.DataFrame(
        {
            "route_id": after["route_id"].to_numpy(),
            "from": before["country"].to_numpy(),
            "to": after["country"].to_numpy(),
            "km_along": after["km_start"].to_numpy(),
            "lon": after["x"].to_numpy(),
            "lat": after["y"].to_numpy(),
        }
    )
    out.insert(1, "seq", out.groupby("route_id", sort=False).cumcount() + 1)
    out["border_post"], out["border_post_km"] = _nearest_post(out, border_posts)
    out["arrives_in"] = _region_of(out, regions)
    return out[columns]


def _nearest_post(crossings: pd.DataFrame, posts: gpd.GeoDataFrame | None) -> tuple[Any, Any]:
    if posts is None or posts.empty or crossings.empty:
        return None, np.nan
    px, py = posts.geometry.x.to_numpy(), posts.geometry.y.to_numpy()
    km = distance_km(
        crossings["lon"].to_numpy()[:, None], crossings["lat"].to_numpy()[:, None], px[None, :], py[None, :]
    )
    best = km.argmin(axis=1)
    return posts["name"].to_numpy()[best], km[np.arange(len(best)), best]


def _region_of(crossings: pd.DataFrame, regions: gpd.GeoDataFrame | None) -> Any:
    if regions is None or regions.empty or crossings.empty:
        return None
    # Test a point just inside the leg entered: 1% of the way along it, at most 1 km.
    # The crossing point lies on the outline of the region entered.
    names = np.full(len(crossings), None, dtype=object)
    points = shapely.points(crossings["lon"].to_numpy(), crossings["lat"].to_numpy())
    tree = shapely.STRtree(regions.geometry.values)
    hit_point, hit_region = tree.query(points, predicate="dwithin", distance=_SHARED_EDGE_DEG)
    region_codes = regions["iso_a2"].to_numpy() if "iso_a2" in regions else None
    for p, r in zip(hit_point, hit_region, strict=True):
        if region_codes is None or region_codes[r] == crossings["to"].iloc[p]:
            names[p] = regions["name"].iloc[r]
    return names


def crossings_from_routes(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    border_posts: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Border crossings of routes: ``route_id``, ``seq``, ``from``, ``to``, ``km_along``, ``lon``, ``lat``,
    nearest ``border_post`` and ``border_post_km``, and ``arrives_in`` (a named region such as an exclave).

    See :func:`legs_from_routes` for the parameters; ``km_along`` is geodesic kilometres from the
    route's start, ``lon``/``lat`` WGS84 degrees of the point where the route crosses.
    """
    legs = legs_from_routes(routes, countries, tolerance_m=tolerance_m)
    return crossings_from_legs(legs, border_posts, regions)
