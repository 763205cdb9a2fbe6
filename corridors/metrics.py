"""Route metrics: one row per route, from lengths, per-country legs and crossings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .crossings import DEFAULT_TOLERANCE_M, SEA, CountryIndex, legs_from_pieces, pieces_from_routes
from .geodesy import distance_km, lengths_km, line_segments

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["route_lengths", "route_metrics"]


def route_lengths(routes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Geodesic length per route (rows grouped by ``route_id``, in kilometres).

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``length_km``, and ``km_by_status`` / ``km_by_mode`` dictionaries when the
        routes carry ``status`` / ``mode`` columns.
    """
    km = lengths_km(routes.geometry.values)
    frame = pd.DataFrame({"route_id": routes["route_id"].astype(str).to_numpy(), "km": km})
    out = frame.groupby("route_id", sort=False)["km"].sum().rename("length_km").reset_index()
    for column in ("status", "mode"):
        if column in routes:
            frame[column] = routes[column].fillna("unknown").to_numpy()
            by = frame.groupby(["route_id", column], sort=False)["km"].sum().round(6)
            per_route = {route: group.droplevel(0).to_dict() for route, group in by.groupby(level=0, sort=False)}
            out[f"km_by_{column}"] = [per_route.get(r, {}) for r in out["route_id"]]
    return out


def route_metrics(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> pd.DataFrame:
    """One row per route: lengths, per-country split, crossings and detour.

    Parameters
    ----------
    routes
        Lines in EPSG:4326 with ``route_id`` (rows of one route in order of travel).
    countries
        The ``countries`` layer or a prebuilt :class:`~corridors.crossings.CountryIndex`.
    tolerance_m
        Excursions across a border no deeper than this (metres) are not crossings.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``length_km``, ``km_by_country`` (ISO alpha-2 → km, ``"sea"`` for water),
        ``crossings``, ``country_sequence`` (list), ``sequence_text`` (``"AZ → AM → AZ"``),
        ``km_third_countries`` (neither origin nor destination country), ``km_along_border``
        (within ``tolerance_m`` of a land border), ``km_by_status``, ``km_by_mode``,
        ``direct_km`` (geodesic distance between the ends) and ``detour_factor``.
    """
    index = countries if isinstance(countries, CountryIndex) else CountryIndex.from_countries(countries)
    pieces = pieces_from_routes(routes, index, tolerance_m=tolerance_m)
    legs = legs_from_pieces(pieces, index, tolerance_m=tolerance_m)
    out = route_lengths(routes)
    # The per-country parts come from the same segment lengths as the total: they add up exactly.
    by_country = legs.groupby(["route_id", "country"], sort=False)["km"].sum()
    sequences = legs.groupby("route_id", sort=False)["country"].agg(list)
    along = pieces[(pieces["border_m"] <= tolerance_m) & pieces["land_border"]].groupby("route_id")["length_m"].sum()
    ends = _route_ends(routes)
    rows = []
    for route_id in out["route_id"]:
        seq = sequences.get(route_id, [])
        km_map = {k: float(v) for k, v in by_country[route_id].items()} if route_id in sequences else {}
        land = [c for c in seq if c != SEA]
        ends_countries = {land[0], land[-1]} if land else set()
        rows.append(
            {
                "km_by_country": km_map,
                "crossings": max(len(seq) - 1, 0),
                "country_sequence": seq,
                "sequence_text": " → ".join(seq),
                "km_third_countries": sum(v for k, v in km_map.items() if k not in ends_countries and k != SEA),
                "km_along_border": float(along.get(route_id, 0.0)) / 1000.0,
            }
        )
    out = pd.concat([out, pd.DataFrame(rows)], axis=1)
    x0, y0, x1, y1 = (ends.loc[out["route_id"], k].to_numpy() for k in ("x0", "y0", "x1", "y1"))
    out["direct_km"] = distance_km(x0, y0, x1, y1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["detour_factor"] = np.where(out["direct_km"] > 0, out["length_km"] / out["direct_km"], np.nan)
    if "name" in routes:
        names = routes.groupby(routes["route_id"].astype(str), sort=False)["name"].first()
        out.insert(1, "name", names.loc[out["route_id"]].to_numpy())
    return out


def _route_ends(routes: gpd.GeoDataFrame) -> pd.DataFrame:
    xy, owner = line_segments(routes.geometry.values)
    keys = routes["route_id"].astype(str).to_numpy()[owner]
    frame = pd.DataFrame({"route_id": keys, "x0": xy[:, 0], "y0": xy[:, 1], "x1": xy[:, 2], "y1": xy[:, 3]})
    grouped = frame.groupby("route_id", sort=False)
    return pd.concat([grouped[["x0", "y0"]].first(), grouped[["x1", "y1"]].last()], axis=1)
