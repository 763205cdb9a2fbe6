"""Border crossings of routes: where consecutive legs change country."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .country_index import SHARED_EDGE_DEG, CountryIndex
from .geodesy import distance_km
from .legs import DEFAULT_TOLERANCE_M, legs_from_routes

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["crossings_from_legs", "crossings_from_routes"]


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
