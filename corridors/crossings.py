"""Per-country legs of routes and their border crossings, robust to routes along border rivers."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class CountryIndex:
    """Spatial indexes over a countries layer, built once and reused for every route.

    Attributes
    ----------
    codes
        ISO code of each tile.
    tiles
        STRtree of the country polygons cut into 1-degree tiles (fast point-in-polygon).
    edges
        STRtree of every outline segment (land borders and coasts).
    land
        For each outline segment, whether it borders another country (not the sea).
    """

    codes: np.ndarray
    tiles: shapely.STRtree
    edges: shapely.STRtree
    edge_xy: np.ndarray
    land: np.ndarray
    edge_code: np.ndarray

    @classmethod
    def from_countries(cls, countries: gpd.GeoDataFrame) -> CountryIndex:
        """Build the indexes from a layer with ``iso_a2`` and polygon geometries in EPSG:4326."""
        geoms = np.asarray(countries.geometry.values, dtype=object)
        codes = countries["iso_a2"].to_numpy(dtype=object)
        tiles, tile_codes = [], []
        for geom, code in zip(geoms, codes, strict=True):
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
        return cls(
            np.asarray(tile_codes, dtype=object), shapely.STRtree(tiles), edge_tree, edge_xy, land, codes[edge_owner]
        )

    def country_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ISO code of the country containing each point, ``"sea"`` outside every polygon."""
        points = shapely.points(x, y)
        hit_point, hit_tile = self.tiles.query(points, predicate="intersects")
        out = np.full(len(points), SEA, dtype=object)
        out[hit_point[::-1]] = self.codes[hit_tile[::-1]]  # first hit wins on shared edges
        return out

    def distance_to_countries_m(self, x: np.ndarray, y: np.ndarray, allowed: list[set], within_m: float) -> np.ndarray:
        """Geodesic metres from each point to the nearest outline of one of its ``allowed`` countries.

        ``inf`` where no such outline lies within ``within_m``.
        """
        distance = np.full(len(x), np.inf)
        if len(x) == 0 or within_m <= 0:
            return distance
        points = shapely.points(x, y)
        hit_point, hit_edge = self.edges.query(points, predicate="dwithin", distance=_window_deg(y, within_m))
        keep = np.fromiter(
            (self.edge_code[e] in allowed[p] for p, e in zip(hit_point, hit_edge, strict=True)), bool, len(hit_point)
        )
        hit_point, hit_edge = hit_point[keep], hit_edge[keep]
        np.minimum.at(distance, hit_point, self._metres_to_edges(points, hit_point, hit_edge))
        distance[distance > within_m] = np.inf
        return distance

    def border_distance_m(self, x: np.ndarray, y: np.ndarray, within_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Distance in metres from each point to the nearest outline segment, if within ``within_m``.

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
        (hit_point, hit_edge), _ = self.edges.query_nearest(
            points, max_distance=_window_deg(y, within_m), return_distance=True
        )
        if len(hit_point):
            first = np.unique(hit_point, return_index=True)[1]
            hit_point, hit_edge = hit_point[first], hit_edge[first]
            metres = self._metres_to_edges(points, hit_point, hit_edge)
            ok = metres <= within_m
            distance[hit_point[ok]] = metres[ok]
            land[hit_point[ok]] = self.land[hit_edge[ok]]
        return distance, land

    def _metres_to_edges(self, points: np.ndarray, hit_point: np.ndarray, hit_edge: np.ndarray) -> np.ndarray:
        """Geodesic metres from each ``points[hit_point]`` to the nearest point of its paired edge."""
        if len(hit_point) == 0:
            return np.zeros(0)
        pairs = shapely.get_coordinates(shapely.shortest_line(points[hit_point], self.edges.geometries[hit_edge]))
        pairs = pairs.reshape(-1, 4)
        return segment_lengths_m(pairs[:, 0], pairs[:, 1], pairs[:, 2], pairs[:, 3])


def _window_deg(y: np.ndarray, within_m: float) -> float:
    """Search window in degrees for ``within_m`` metres: generous in longitude at the highest latitude."""
    return within_m / (_METRES_PER_DEG * max(np.cos(np.radians(np.abs(y).max())), 0.2))


def _route_keys(routes: gpd.GeoDataFrame) -> np.ndarray:
    if "route_id" in routes:
        return routes["route_id"].astype(str).to_numpy()
    return np.asarray([str(i) for i in range(len(routes))], dtype=object)


def pieces_from_routes(routes: gpd.GeoDataFrame, index: CountryIndex, *, tolerance_m: float) -> pd.DataFrame:
    """Cut every route at every country outline; one row per sub-segment, in order of travel.

    Columns: ``route_id``, ``country``, ``length_m``, ``border_m`` (distance of the midpoint to
    the nearest outline, ``inf`` beyond ``tolerance_m``), ``land_border`` and the start point
    ``x``, ``y`` (WGS84 degrees). Routes with several rows (segments) are taken in row order.
    """
    keys = _route_keys(routes)
    xy, owner = line_segments(routes.geometry.values)
    lengths = segment_lengths_m(xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3])
    keep = lengths > 0
    xy, owner, lengths = xy[keep], owner[keep], lengths[keep]
    segments = shapely.linestrings(xy.reshape(-1, 2, 2))
    hit_seg, hit_edge = index.edges.query(segments, predicate="intersects")
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
    border_m, land = index.border_distance_m(mx, my, tolerance_m)
    return pd.DataFrame(
        {
            "route_id": keys[owner[seg]],
            "country": index.country_at(mx, my),
            "length_m": lengths[seg] * (t1 - t0),
            "border_m": border_m,
            "land_border": land,
            "x": x0 + (x1 - x0) * t0,
            "y": y0 + (y1 - y0) * t0,
            "mx": mx,
            "my": my,
        }
    )


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
    """Merge sub-segments into legs, absorbing shallow excursions across a border.

    An interior run of sub-segments in one country whose every midpoint lies within
    ``tolerance_m`` of the country before or after it is not a real stay: it is given to the
    country the route came from. The first and last runs of a route are never absorbed.
    """
    if pieces.empty:
        return _empty_legs()
    route = pieces["route_id"].to_numpy()
    country = pieces["country"].to_numpy()
    start = np.r_[True, (route[1:] != route[:-1]) | (country[1:] != country[:-1])]
    run = np.cumsum(start) - 1
    runs = pd.DataFrame({"route_id": route[start], "country": country[start]})
    runs["depth_m"] = pd.Series(pieces["border_m"].to_numpy()).groupby(run).max().to_numpy()
    first = np.r_[True, runs["route_id"].to_numpy()[1:] != runs["route_id"].to_numpy()[:-1]]
    last = np.r_[first[1:], True]
    candidate = ((runs["depth_m"] <= tolerance_m) & ~first & ~last).to_numpy()
    shallow = np.zeros(len(runs), dtype=bool)
    if candidate.any():
        codes = runs["country"].to_numpy()
        neighbours = [{codes[i - 1], codes[i + 1]} if candidate[i] else set() for i in range(len(runs))]
        rows = np.flatnonzero(candidate[run])
        # Deepest point of each run: its sub-segment midpoints and its vertices.
        allowed = [neighbours[run[r]] for r in rows]
        depth = np.maximum(
            index.distance_to_countries_m(
                pieces["mx"].to_numpy()[rows], pieces["my"].to_numpy()[rows], allowed, tolerance_m
            ),
            index.distance_to_countries_m(
                pieces["x"].to_numpy()[rows], pieces["y"].to_numpy()[rows], allowed, tolerance_m
            ),
        )
        deepest = pd.Series(depth).groupby(run[rows]).max()
        shallow[deepest.index[deepest.to_numpy() <= tolerance_m]] = True
    runs.loc[shallow, "country"] = None
    runs["country"] = runs["country"].ffill()
    merged_country = runs["country"].to_numpy()[run]
    new_leg = np.r_[True, (route[1:] != route[:-1]) | (merged_country[1:] != merged_country[:-1])]
    leg = np.cumsum(new_leg) - 1
    length = pieces["length_m"].to_numpy()
    km_end = pd.Series(length).groupby(route, sort=False).cumsum().to_numpy() / 1000.0
    grouped = pd.DataFrame({"leg": leg, "length_m": length, "km_end": km_end}).groupby("leg")
    legs = pd.DataFrame(
        {
            "route_id": route[new_leg],
            "country": merged_country[new_leg],
            "km": grouped["length_m"].sum().to_numpy() / 1000.0,
            "km_end": grouped["km_end"].max().to_numpy(),
            "x": pieces["x"].to_numpy()[new_leg],
            "y": pieces["y"].to_numpy()[new_leg],
        }
    )
    legs["km_start"] = legs["km_end"] - legs["km"]
    legs.insert(1, "leg", legs.groupby("route_id", sort=False).cumcount() + 1)
    return legs[["route_id", "leg", "country", "km_start", "km_end", "km", "x", "y"]]


def _empty_legs() -> pd.DataFrame:
    return pd.DataFrame(columns=["route_id", "leg", "country", "km_start", "km_end", "km", "x", "y"])


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
    pieces = pieces_from_routes(routes, index, tolerance_m=tolerance_m)
    return legs_from_pieces(pieces, index, tolerance_m=tolerance_m)


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
