"""The country index: spatial indexes over the countries layer, built once and reused for every route."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ._near_grid import NEAR_DEG, NearGrid
from ._planar import SLACK_DEG, least, point_segment_deg, segment_gap_deg
from .geodesy import line_segments, segment_lengths_m

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["SEA", "SHARED_EDGE_DEG", "CountryIndex", "window_deg"]

SEA = "sea"
_TILE_DEG = 1.0
_METRES_PER_DEG = 111_320.0
# Edges of two countries closer than this (degrees, ~150 m) form a land border, not a coast.
SHARED_EDGE_DEG = 0.0015
# Pairs (point, outline segment) examined at once by the searches of wide tolerances.
_PAIRS_PER_BATCH = 2_000_000
# Points whose geodesically nearest outline is sought at once (wide tolerances).
_POINTS_PER_BATCH = 2_000


@dataclass(frozen=True)
class CountryIndex:
    """Spatial indexes over a countries layer, built once and reused for every route.

    Attributes
    ----------
    codes
        ISO codes of the countries; elsewhere a country is its position in ``codes``, and
        ``-1`` (the last entry of :attr:`labels`) is the sea.
    tile_country
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
        The 0.01° cells that an outline comes within ``NEAR_DEG`` (~2 km) of.
    """

    codes: np.ndarray
    tile_country: np.ndarray
    tiles: shapely.STRtree
    edges: shapely.STRtree
    edge_xy: np.ndarray
    land: np.ndarray
    edge_code: np.ndarray
    near: NearGrid

    def __post_init__(self) -> None:
        shapely.prepare(self.tiles.geometries)  # fast point-in-polygon tests in country_codes

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # Rebuilt through the constructor, so that unpickled tiles are prepared too.
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

    @classmethod
    def coerce(cls, countries: gpd.GeoDataFrame | CountryIndex) -> CountryIndex:
        """Return ``countries`` if it is an index already, else build one from the layer."""
        return countries if isinstance(countries, CountryIndex) else cls.from_countries(countries)

    @classmethod
    def from_countries(cls, countries: gpd.GeoDataFrame) -> CountryIndex:
        """Build the indexes from a layer with ``iso_a2`` and polygon geometries in EPSG:4326."""
        geoms = np.asarray(countries.geometry.values, dtype=object)
        country, codes = pd.factorize(countries["iso_a2"].to_numpy(dtype=object))
        tiles, tile_codes = _tiles(geoms, country)
        rings = shapely.boundary(geoms)
        edge_xy, edge_owner = line_segments(rings)
        edge_geoms = shapely.linestrings(edge_xy.reshape(-1, 2, 2))
        # An edge is a land border when its midpoint lies within ~150 m of another country's edge.
        mid = shapely.points((edge_xy[:, 0] + edge_xy[:, 2]) / 2, (edge_xy[:, 1] + edge_xy[:, 3]) / 2)
        edge_tree = shapely.STRtree(edge_geoms)
        hit_mid, hit_other = edge_tree.query(mid, predicate="dwithin", distance=SHARED_EDGE_DEG)
        other = edge_owner[hit_other] != edge_owner[hit_mid]
        land = np.zeros(len(edge_xy), dtype=bool)
        land[hit_mid[other]] = True
        return cls(
            np.asarray(codes, dtype=object),
            np.asarray(tile_codes, dtype=np.int16),
            shapely.STRtree(tiles),
            edge_tree,
            edge_xy,
            land,
            country[edge_owner].astype(np.int16),
            NearGrid.of(edge_xy),
        )

    @property
    def labels(self) -> np.ndarray:
        """ISO code of each country code, then ``"sea"`` (so that code ``-1`` reads ``"sea"``)."""
        return np.append(self.codes, SEA)

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
        hit_point, hit_code = hit_point[inside], self.tile_country[hit_tile[inside]]
        out = np.full(len(x), -1, dtype=np.int16)
        out[hit_point[::-1]] = hit_code[::-1]  # first hit wins
        several = np.zeros(len(x), dtype=bool)
        several[hit_point[hit_code != out[hit_point]]] = True
        return out, several

    def clear_of_outlines(self, x: np.ndarray, y: np.ndarray, reach_deg: np.ndarray) -> np.ndarray:
        """Whether no outline comes within ``reach_deg`` (planar degrees) of each point.

        A cheap, conservative test on the grid of :attr:`near`: ``False`` where unsure.
        """
        return (reach_deg <= NEAR_DEG) & ~self.near.flagged(x, y)

    def distance_to_countries_m(self, x: np.ndarray, y: np.ndarray, allowed: np.ndarray, within_m: float) -> np.ndarray:
        """Geodesic metres from each point to the nearest outline of one of its ``allowed`` countries.

        ``allowed`` has one row of country codes per point (``-1``, the sea: the nearest coast).
        ``inf`` where no such outline lies within ``within_m``.
        """
        distance = np.full(len(x), np.inf)
        if len(x) == 0 or within_m <= 0:
            return distance
        window = window_deg(y, within_m)
        # Batches of points with about _PAIRS_PER_BATCH pairs (point, outline segment) each: a wide
        # tolerance pairs each point with thousands of outline segments.
        start, size = 0, 128
        while start < len(x):
            part = slice(start, min(len(x), start + size))
            distance[part], pairs = self._distance_to_allowed_m(x[part], y[part], allowed[part], window)
            start, size = part.stop, int(np.clip(size * _PAIRS_PER_BATCH / max(pairs, 1), 16, 1 << 20))
        distance[distance > within_m] = np.inf
        return distance

    def _distance_to_allowed_m(
        self, x: np.ndarray, y: np.ndarray, allowed: np.ndarray, window: float
    ) -> tuple[np.ndarray, int]:
        """:meth:`distance_to_countries_m` of some points within ``window`` degrees, and the pairs examined."""
        distance = np.full(len(x), np.inf)
        points = shapely.points(x, y)
        hit_point, hit_edge, _ = self.edges_within(np.column_stack([x, y]), window)
        pairs = len(hit_point)
        # The sea (code -1) is reached at a coast: an outline segment that is no land border.
        keep = (self.edge_code[hit_edge, None] == allowed[hit_point]).any(axis=1)
        keep |= (allowed[hit_point] == -1).any(axis=1) & ~self.land[hit_edge]
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        # Over a few kilometres, geodesic metres are planar distances with longitudes scaled by the
        # cosine of the latitude, times 111.32 km give or take 1% (the ellipsoid's degrees vary so
        # much): only pairs within 5% of the least such distance may be the nearest.
        scale = np.cos(np.radians(y[hit_point]))
        edge_xy = self.edge_xy[hit_edge] * np.column_stack([scale, np.ones_like(scale)] * 2)
        estimate = point_segment_deg(x[hit_point] * scale, y[hit_point], edge_xy)
        keep = estimate <= least(hit_point, estimate, len(x)) * 1.05 + SLACK_DEG
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        np.minimum.at(distance, hit_point, self._metres_to_edges(points, hit_point, hit_edge))
        return distance, pairs

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
        reach = distance + SLACK_DEG
        lo, hi = np.minimum(xy[:, :2], xy[:, -2:]) - reach, np.maximum(xy[:, :2], xy[:, -2:]) + reach
        # A line from corner to corner has the box as its envelope, and is faster to make than the box.
        hit, edge = self.edges.query(shapely.linestrings(np.stack([lo, hi], axis=1)))
        if xy.shape[1] == 2:
            gap = point_segment_deg(xy[hit, 0], xy[hit, 1], self.edge_xy[edge])
        else:
            gap = segment_gap_deg(xy[hit], self.edge_xy[edge])
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
        window = window_deg(y, within_m)
        if window > NEAR_DEG:  # wide windows hold too many outline segments to compare them all
            hit_point, hit_edge = self._nearest_geodesic(points, y, window)
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
        estimate = point_segment_deg(x[hit_point], y[hit_point], self.edge_xy[hit_edge])
        keep = estimate <= least(hit_point, estimate, len(points)) + SLACK_DEG
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        gap = shapely.distance(points[hit_point], self.edges.geometries[hit_edge])
        keep = (gap == least(hit_point, gap, len(points))) & (gap <= window)
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

    def _nearest_geodesic(self, points: np.ndarray, y: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point, geodesically nearest outline segment) for points with one within ``window`` degrees.

        The planar nearest segment (distance ``d`` degrees) need not be the geodesically nearest
        (longitude degrees are shorter by the cosine of the latitude), but that one lies within
        ``d / cos(lat)`` planar degrees (2% added for the ellipsoid): all those are measured.
        """
        near_point, near_edge = self._query_nearest(points, window)
        gap = shapely.distance(points[near_point], self.edges.geometries[near_edge])
        reach = np.minimum(gap / np.cos(np.radians(np.abs(y[near_point]))) * 1.02 + SLACK_DEG, window)
        best_point, best_edge = [near_point[:0]], [near_edge[:0]]
        for start in range(0, len(near_point), _POINTS_PER_BATCH):
            part = slice(start, start + _POINTS_PER_BATCH)
            hit, edge = self.edges.query(points[near_point[part]], predicate="dwithin", distance=reach[part])
            hit = near_point[part][hit]
            metres = self._metres_to_edges(points, hit, edge)
            nearest = metres == least(hit, metres, len(points))
            first = np.unique(hit[nearest], return_index=True)[1]
            best_point.append(hit[nearest][first])
            best_edge.append(edge[nearest][first])
        return np.concatenate(best_point), np.concatenate(best_edge)

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


def _tiles(geoms: np.ndarray, country: np.ndarray) -> tuple[list[shapely.Geometry], list[int]]:
    """The polygons cut into the 1° tiles of the whole-degree grid, and the country of each piece.

    Pieces wider or taller than a tile are halved along a whole degree until they fit, so each
    cut works on a part of the outline only: the 24,835 tiles of a world layer (Natural Earth 10m
    outside the detailed countries) take ~5 s instead of ~270 s for one cut per tile.
    """
    done: list[shapely.Geometry] = []
    done_country: list[int] = []
    todo, todo_country = np.asarray(geoms, dtype=object), np.asarray(country)
    while len(todo):
        bounds = shapely.bounds(todo)
        x0, y0 = np.floor(bounds[:, 0] / _TILE_DEG), np.floor(bounds[:, 1] / _TILE_DEG)
        width = np.ceil(bounds[:, 2] / _TILE_DEG) - x0
        height = np.ceil(bounds[:, 3] / _TILE_DEG) - y0
        fits = (width <= 1) & (height <= 1)
        done.extend(todo[fits])
        done_country.extend(todo_country[fits].tolist())
        split, wide = ~fits, width >= height
        # Halve along the longer side, at a whole degree.
        cut_x = (x0 + np.floor(width / 2)) * _TILE_DEG
        cut_y = (y0 + np.floor(height / 2)) * _TILE_DEG
        x1, y1 = (x0 + width) * _TILE_DEG, (y0 + height) * _TILE_DEG
        x0, y0 = x0 * _TILE_DEG, y0 * _TILE_DEG
        first = np.column_stack([x0, y0, np.where(wide, cut_x, x1), np.where(wide, y1, cut_y)])[split]
        second = np.column_stack([np.where(wide, cut_x, x0), np.where(wide, y0, cut_y), x1, y1])[split]
        parts = np.r_[todo[split], todo[split]]
        # clip_by_rect is ~5x faster than intersection; its rare invalid output is repaired below.
        boxes = np.r_[first, second]
        halves = np.array([shapely.clip_by_rect(g, *box) for g, box in zip(parts, boxes, strict=True)], dtype=object)
        keep = shapely.area(halves) > 0
        todo, todo_country = halves[keep], np.r_[todo_country[split], todo_country[split]][keep]
    pieces = np.asarray(done, dtype=object)
    invalid = ~shapely.is_valid(pieces)
    pieces[invalid] = shapely.make_valid(pieces[invalid])
    return list(pieces), done_country


def window_deg(y: np.ndarray, within_m: float) -> float:
    """Search window in degrees for ``within_m`` metres: generous in longitude at the highest latitude."""
    return within_m / (_METRES_PER_DEG * max(np.cos(np.radians(np.abs(y).max())), 0.2))
