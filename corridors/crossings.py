"""Land border crossings and port calls of routes: where consecutive legs change country or meet the sea."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from .country_index import SEA, SHARED_EDGE_DEG, CountryIndex
from .geodesy import distance_km
from .legs import legs_from_routes
from .tolerance import DEFAULT_TOLERANCE_M

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BORDER_POST_MAX_KM",
    "PORT_MAX_KM",
    "crossings_from_legs",
    "crossings_from_routes",
    "nearest_port",
    "port_calls_from_legs",
    "port_calls_from_routes",
]

# A border post names a crossing only if it serves the same two countries and lies within this
# distance of the crossing point. Our posts sit on the border line at the bridge or checkpoint;
# a route drawn from a schematic source may meet the border a few km away from its post
# (schematic geometry is good to a few km), while the nearest two posts of the same pair of
# countries in our layer (Julfa and Aghband on the Aras, AZ–IR) are 40 km apart.
BORDER_POST_MAX_KM = 15.0
# A port call is named after the nearest port of the places layer within this distance of the
# point where the route meets the coast. In the Volga delta the Astrakhan–Caspian shipping lane
# reaches the sea of the countries layer 83 km from Astrakhan, the port (measured on
# instc_trans_caspian); 100 km covers it. Ports of one coast may be closer than that (Baku–Alat
# is 65 km): the nearest one wins.
PORT_MAX_KM = 100.0

_CROSSING_COLUMNS = ["route_id", "seq", "from", "to", "km_along", "lon", "lat"]


def _changes(legs: pd.DataFrame) -> pd.DataFrame:
    """One row per change of country between consecutive legs of a route (``from``, ``to``, place)."""
    if legs.empty:
        return pd.DataFrame(columns=[c for c in _CROSSING_COLUMNS if c != "seq"])
    same = legs["route_id"].to_numpy()[1:] == legs["route_id"].to_numpy()[:-1]
    before, after = legs.iloc[:-1][same], legs.iloc[1:][same]
    return pd.DataFrame(
        {
            "route_id": after["route_id"].to_numpy(),
            "from": before["country"].to_numpy(),
            "to": after["country"].to_numpy(),
            "km_along": after["km_start"].to_numpy(dtype=float),
            "lon": after["lon"].to_numpy(dtype=float),
            "lat": after["lat"].to_numpy(dtype=float),
        }
    )


def crossings_from_legs(
    legs: pd.DataFrame,
    border_posts: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per land border crossing: where consecutive legs of a route change country on land.

    A change between land and sea is a port call (:func:`port_calls_from_legs`), not a crossing.

    Parameters
    ----------
    legs
        Output of :func:`~corridors.legs.legs_from_routes`.
    border_posts
        Points with ``name`` and ``countries`` (the two ISO codes the post serves); a crossing
        names the nearest post that serves its two countries within :data:`BORDER_POST_MAX_KM`.
    regions
        Polygons with ``name`` (e.g. the ``nakhchivan`` layer); a crossing that arrives in one
        of them names it in ``arrives_in`` (exclaves are first-class).

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``seq`` (1, 2, … per route), ``from``, ``to`` (ISO alpha-2), ``km_along``
        (geodesic km from the route's start), ``lon``, ``lat`` (WGS84 degrees),
        ``border_post`` (name or ``None``), ``border_post_km`` (km, ``NaN`` without a post)
        and ``arrives_in`` (region name or ``None``).
    """
    columns = [*_CROSSING_COLUMNS, "border_post", "border_post_km", "arrives_in"]
    changes = _changes(legs)
    out = changes[(changes["from"] != SEA) & (changes["to"] != SEA)].reset_index(drop=True)
    if out.empty:
        return pd.DataFrame(columns=columns)
    out.insert(1, "seq", out.groupby("route_id", sort=False).cumcount() + 1)
    out["border_post"], out["border_post_km"] = _border_posts(out, border_posts)
    out["arrives_in"] = _region_of(out, regions)
    return out[columns]


def port_calls_from_legs(legs: pd.DataFrame, places: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """One row per port call: where consecutive legs of a route change between land and sea.

    Parameters
    ----------
    legs
        Output of :func:`~corridors.legs.legs_from_routes`.
    places
        Points with ``name`` (and ``kind``: only ``"port"`` places are used when the column
        exists); see :func:`nearest_port`.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``seq``, ``from``, ``to`` (an ISO code and ``"sea"``), ``km_along``,
        ``lon``, ``lat`` (where the route meets the coast, WGS84 degrees), ``port`` (name, or
        ``None`` when no port lies within :data:`PORT_MAX_KM`) and ``port_km``.
    """
    columns = [*_CROSSING_COLUMNS, "port", "port_km"]
    changes = _changes(legs)
    out = changes[(changes["from"] == SEA) != (changes["to"] == SEA)].reset_index(drop=True)
    if out.empty:
        return pd.DataFrame(columns=columns)
    out.insert(1, "seq", out.groupby("route_id", sort=False).cumcount() + 1)
    out["port"], out["port_km"] = nearest_port(out["lon"].to_numpy(), out["lat"].to_numpy(), places)
    return out[columns]


def nearest_port(lon: np.ndarray, lat: np.ndarray, places: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Name of the nearest port to each point, and its geodesic distance in km.

    Parameters
    ----------
    lon, lat
        WGS84 degrees of the points (where routes meet the coast).
    places
        Points with ``name``; only those of ``kind == "port"`` when the column exists.

    Returns
    -------
    name : numpy.ndarray
        Object array: the port's name, or ``None`` where no port lies within :data:`PORT_MAX_KM`.
    km : numpy.ndarray
        Distance to that port (``NaN`` where there is none).
    """
    if places is not None and "kind" in places:
        places = places[places["kind"] == "port"]
    return _nearest_named(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), places, PORT_MAX_KM)


def _nearest_named(
    lon: np.ndarray, lat: np.ndarray, points: gpd.GeoDataFrame | None, max_km: float, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest of ``points`` (``name``) within ``max_km``; ``allowed[i, j]``: point j may name i."""
    names = np.full(len(lon), None, dtype=object)
    best_km = np.full(len(lon), np.nan)
    if points is None or points.empty or len(lon) == 0:
        return names, best_km
    km = distance_km(lon[:, None], lat[:, None], points.geometry.x.to_numpy()[None, :], points.geometry.y.to_numpy())
    km = np.where(allowed, km, np.inf) if allowed is not None else km
    best = km.argmin(axis=1)
    best_km = km[np.arange(len(best)), best]
    found = best_km <= max_km
    names[found] = points["name"].to_numpy(dtype=object)[best[found]]
    return names, np.where(found, best_km, np.nan)


def _border_posts(crossings: pd.DataFrame, posts: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Nearest post serving the crossing's two countries within :data:`BORDER_POST_MAX_KM`."""
    if posts is None or posts.empty:
        return _nearest_named(crossings["lon"].to_numpy(), crossings["lat"].to_numpy(), None, 0.0)
    pairs = [frozenset(value) if value is not None else frozenset() for value in posts["countries"]]
    crossed = [frozenset(pair) for pair in zip(crossings["from"], crossings["to"], strict=True)]
    allowed = np.array([[pair == serves for serves in pairs] for pair in crossed], dtype=bool)
    return _nearest_named(crossings["lon"].to_numpy(), crossings["lat"].to_numpy(), posts, BORDER_POST_MAX_KM, allowed)


def _region_of(crossings: pd.DataFrame, regions: gpd.GeoDataFrame | None) -> np.ndarray | None:
    if regions is None or regions.empty or crossings.empty:
        return None
    # The crossing point lies on the outline of the region entered (within SHARED_EDGE_DEG, ~150 m):
    # a region within that distance whose country is the one entered is the region arrived in.
    names = np.full(len(crossings), None, dtype=object)
    points = shapely.points(crossings["lon"].to_numpy(), crossings["lat"].to_numpy())
    tree = shapely.STRtree(regions.geometry.values)
    hit_point, hit_region = tree.query(points, predicate="dwithin", distance=SHARED_EDGE_DEG)
    region_codes = regions["iso_a2"].to_numpy() if "iso_a2" in regions else None
    for p, r in zip(hit_point, hit_region, strict=True):
        if region_codes is None or region_codes[r] == crossings["to"].iloc[p]:
            names[p] = regions["name"].iloc[r]
    return names


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)


def crossings_from_routes(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    border_posts: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Land border crossings of routes, as points.

    Parameters
    ----------
    routes
        Lines with a declared CRS (reprojected to EPSG:4326); rows sharing a ``route_id`` are
        one route, in order of travel.
    countries
        The ``countries`` layer or a prebuilt :class:`~corridors.country_index.CountryIndex`.
    tolerance_m
        Excursions across a border no deeper than this (metres) are not crossings.
    border_posts, regions
        See :func:`crossings_from_legs`.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`crossings_from_legs`, with point geometries in EPSG:4326.

    Raises
    ------
    ValidationError
        If ``routes`` has no CRS.
    """
    legs = legs_from_routes(routes, countries, tolerance_m=tolerance_m)
    return _points(crossings_from_legs(legs, border_posts, regions))


def port_calls_from_routes(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    places: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Port calls of routes (changes between land and sea), as points.

    Parameters are those of :func:`crossings_from_routes`; ``places`` as in
    :func:`port_calls_from_legs`.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`port_calls_from_legs` (the port's name in ``port``), with point
        geometries in EPSG:4326 where the route meets the coast.
    """
    legs = legs_from_routes(routes, countries, tolerance_m=tolerance_m)
    return _points(port_calls_from_legs(legs, places))
