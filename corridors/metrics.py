"""Route metrics: one row per route, from lengths, per-country legs and crossings."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ._crs import to_wgs84, warn_if_lon_lat_swapped
from .country_index import CountryIndex
from .crossings import nearest_port
from .geodesy import distance_km
from .legs import RouteSegments, legs_from_pieces, pieces_from_segments, route_keys
from .tolerance import DEFAULT_TOLERANCE_M, check_tolerance

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["route_lengths", "route_metrics"]

# Routes are measured in chunks of whole routes of about this many vertices: the memory held
# at once, and so the time per route, stay the same however many routes there are.
_CHUNK_VERTICES = 1_000_000


def route_lengths(routes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Geodesic length per route (rows grouped by ``route_id``, in kilometres).

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``length_km``, and ``km_by_status`` / ``km_by_mode`` dictionaries when the
        routes carry ``status`` / ``mode`` columns.
    """
    return _route_lengths(routes, RouteSegments.of(routes))


def _route_lengths(routes: gpd.GeoDataFrame, segments: RouteSegments) -> pd.DataFrame:
    n = len(segments.keys)
    row_km = np.bincount(segments.row, weights=segments.length_m, minlength=len(routes)) / 1000.0
    route = segments.route_of_row
    out = pd.DataFrame({"route_id": segments.keys, "length_km": np.bincount(route, weights=row_km, minlength=n)})
    for column in ("status", "mode"):
        if column in routes:
            frame = pd.DataFrame({"route": route, "value": routes[column].fillna("unknown").to_numpy(), "km": row_km})
            by = frame.groupby(["route", "value"], sort=False)["km"].sum().round(6)
            pair_route = by.index.get_level_values(0).to_numpy()
            out[f"km_by_{column}"] = _dicts(pair_route, by.index.get_level_values(1).to_numpy(), by.to_numpy(), n)
    return out


def _dicts(route: np.ndarray, keys: np.ndarray, values: np.ndarray, n: int) -> list[dict[Any, float]]:
    """One dictionary ``{key: value}`` per route ``0 … n-1``, keys in the order given."""
    order = np.argsort(route, kind="stable")
    bounds = np.searchsorted(route[order], np.arange(n + 1)).tolist()
    keys, values = keys[order].tolist(), values[order].tolist()
    return [dict(zip(keys[a:b], values[a:b], strict=True)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _lists(route: np.ndarray, items: np.ndarray, n: int) -> list[list[Any]]:
    """One list of ``items`` per route ``0 … n-1``, in the order given."""
    order = np.argsort(route, kind="stable")
    bounds = np.searchsorted(route[order], np.arange(n + 1)).tolist()
    values: list[Any] = items[order].tolist()
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def route_metrics(
    routes: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    places: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per route: lengths, per-country split, crossings, port calls and detour.

    Parameters
    ----------
    routes
        Lines with a declared CRS (reprojected to EPSG:4326) and ``route_id`` (rows of one
        route in order of travel).
    countries
        The ``countries`` layer or a prebuilt :class:`~corridors.country_index.CountryIndex`.
    tolerance_m
        Excursions across a border no deeper than this (metres) are not crossings; finite,
        0 … :data:`~corridors.tolerance.MAX_TOLERANCE_M`.
    places
        The ``places`` layer, to name the port of each port call (see
        :func:`~corridors.crossings.nearest_port`); without it every port is ``None``.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``length_km``, ``km_by_country`` (ISO alpha-2 → km, ``"sea"`` for water),
        ``crossings`` (land borders only), ``port_calls`` (list of port names, ``None`` for an
        unnamed port, one per change between land and sea), ``country_sequence`` (list, with
        ``"sea"``), ``sequence_text`` (``"AZ → AM → AZ"``), ``km_third_countries`` (neither
        origin nor destination country), ``along_border_km`` (within ``tolerance_m`` of a land
        border), ``km_by_status``, ``km_by_mode``, ``direct_km`` (geodesic distance between the
        ends) and ``detour_factor``.

    Raises
    ------
    ValidationError
        If ``routes`` has no CRS.
    ToleranceError
        If ``tolerance_m`` is out of bounds.

    Warns
    -----
    LonLatSwapWarning
        For routes that look as if their longitudes and latitudes were swapped.
    """
    tolerance_m = check_tolerance(tolerance_m)
    routes = to_wgs84(routes, "<routes>")
    warn_if_lon_lat_swapped(routes, "<routes>")
    index = CountryIndex.coerce(countries)
    with _cycle_collector_paused():
        parts = [_metrics(routes.iloc[a:b], index, tolerance_m, places) for a, b in _chunks(routes)]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (memory is still freed by reference counting).

    Shapely geometries are tracked by it, and the millions of them made and dropped here (in no
    reference cycle) would make it scan every live object again and again: ~20% of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(routes: gpd.GeoDataFrame) -> list[tuple[int, int]]:
    """Row ranges of about ``_CHUNK_VERTICES`` vertices each that split no route."""
    n = len(routes)
    if n == 0:
        return [(0, 0)]
    route = pd.factorize(route_keys(routes))[0]
    last_row = np.zeros(route.max() + 1, dtype=np.int64)
    np.maximum.at(last_row, route, np.arange(n))
    # A chunk may end after a row when no route of that row or the rows before it goes on below.
    ends = np.flatnonzero(np.maximum.accumulate(last_row[route]) == np.arange(n))
    vertices = np.cumsum(shapely.get_num_coordinates(routes.geometry.values))
    targets = np.arange(_CHUNK_VERTICES, vertices[-1], _CHUNK_VERTICES)
    bounds = np.unique(np.r_[0, ends[np.searchsorted(vertices[ends], targets)] + 1, n]).tolist()
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _metrics(
    routes: gpd.GeoDataFrame, index: CountryIndex, tolerance_m: float, places: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """:func:`route_metrics` of some whole routes."""
    segments = RouteSegments.of(routes)
    pieces = pieces_from_segments(segments, index, tolerance_m=tolerance_m)
    legs = legs_from_pieces(pieces, index, tolerance_m=tolerance_m)
    n = len(segments.keys)
    labels = index.labels
    out = _route_lengths(routes, segments)
    # The per-country parts come from the same segment lengths as the total: they add up exactly.
    leg_route = legs["route"].to_numpy(dtype=np.int64)
    leg_country = legs["country"].to_numpy(dtype=np.int64)
    pair, pairs = pd.factorize(leg_route * len(labels) + leg_country + 1)  # (route, country), first seen first
    pair_km = np.bincount(pair, weights=legs["km"].to_numpy(dtype=float), minlength=len(pairs))
    pair_route, pair_country = pairs // len(labels), pairs % len(labels) - 1
    out["km_by_country"] = _dicts(pair_route, labels[pair_country], pair_km, n)
    # A change between consecutive legs is a land crossing, or a port call where one side is the sea.
    change = leg_route[1:] == leg_route[:-1]
    sea_before, sea_after = leg_country[:-1] < 0, leg_country[1:] < 0
    land = change & ~sea_before & ~sea_after
    out["crossings"] = np.bincount(leg_route[1:][land], minlength=n)
    port = np.flatnonzero(change & (sea_before != sea_after)) + 1
    port_names = nearest_port(legs["lon"].to_numpy(dtype=float)[port], legs["lat"].to_numpy(dtype=float)[port], places)
    out["port_calls"] = _lists(leg_route[port], port_names[0], n)
    out["country_sequence"] = _lists(leg_route, labels[leg_country], n)
    out["sequence_text"] = [" → ".join(seq) for seq in out["country_sequence"]]
    # Origin and destination: the first and last countries on land (-2: none).
    on_land = leg_country >= 0
    first_land = np.full(n, -2)
    first_land[leg_route[on_land][::-1]] = leg_country[on_land][::-1]
    last_land = np.full(n, -2)
    last_land[leg_route[on_land]] = leg_country[on_land]
    third = (pair_country >= 0) & (pair_country != first_land[pair_route]) & (pair_country != last_land[pair_route])
    out["km_third_countries"] = np.bincount(pair_route[third], weights=pair_km[third], minlength=n)
    along = (pieces["border_m"].to_numpy() <= tolerance_m) & pieces["land_border"].to_numpy()
    along_m = pieces["length_m"].to_numpy()[along]
    out["along_border_km"] = np.bincount(pieces["route"].to_numpy()[along], weights=along_m, minlength=n) / 1000.0
    out["direct_km"] = _direct_km(segments)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["detour_factor"] = np.where(out["direct_km"] > 0, out["length_km"] / out["direct_km"], np.nan)
    # A route's own name (never its first segment's); its id where the data name none.
    named = routes["route_name"].to_numpy() if "route_name" in routes else np.full(len(routes), None)
    names = pd.Series(named, dtype=object).groupby(segments.route_of_row).first()
    out.insert(1, "route_name", names.reindex(range(n)).fillna(pd.Series(segments.keys)).to_numpy())
    return out


def _direct_km(segments: RouteSegments) -> np.ndarray:
    """Geodesic distance between the first and the last point of each route, in kilometres."""
    n = len(segments.keys)
    route, xy = segments.route, segments.xy
    start, end = np.full((n, 2), np.nan), np.full((n, 2), np.nan)
    start[route[::-1]] = xy[::-1, :2]
    end[route] = xy[:, 2:]
    return distance_km(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
