"""Dask scale-out: route metrics over a dask-geopandas GeoDataFrame (optional extra ``corridors[dask]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .country_index import CountryIndex
from .errors import ValidationError
from .metrics import route_metrics
from .tolerance import DEFAULT_TOLERANCE_M

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["route_metrics_dask"]

_PART, _POS = "__corridors_partition", "__corridors_position"  # where each row was: restores the order of travel


def _tag(routes: gpd.GeoDataFrame, partition_info: dict[str, Any] | None = None) -> gpd.GeoDataFrame:
    number = partition_info["number"] if partition_info else 0
    return routes.assign(**{_PART: number, _POS: range(len(routes))})


def _partition(
    routes: pd.DataFrame, index: CountryIndex, tolerance_m: float, meta: pd.DataFrame, crs: Any
) -> pd.DataFrame:
    import geopandas as gpd

    if routes.empty:
        return meta
    # A shuffle may hand back plain DataFrames: restore the geometry column and its CRS.
    routes = gpd.GeoDataFrame(routes, geometry="geometry", crs=crs)
    routes = routes.sort_values([_PART, _POS], kind="stable").drop(columns=[_PART, _POS])
    return route_metrics(routes, index, tolerance_m=tolerance_m)[list(meta.columns)]


def _meta(columns: pd.Index, index: CountryIndex, tolerance_m: float) -> pd.DataFrame:
    """The empty result with the columns and dtypes :func:`route_metrics` gives for these input columns."""
    import geopandas as gpd
    from shapely.geometry import LineString

    sample = {c: ["x"] for c in ("route_name", "status", "mode") if c in columns}
    line = LineString([(0.0, 0.0), (0.001, 0.0)])
    frame = gpd.GeoDataFrame({"route_id": ["x"], **sample}, geometry=[line], crs=4326)
    return route_metrics(frame, index, tolerance_m=tolerance_m).iloc[:0]


def route_metrics_dask(
    routes: Any,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> Any:
    """Route metrics of a ``dask_geopandas.GeoDataFrame``: the in-memory result, however it is partitioned.

    The rows are shuffled by ``route_id`` so that each route is measured whole in one task, then
    put back in their original order of travel; the country indexes are built once and passed to
    every partition as one shared object (scattered once to every worker when a ``distributed``
    client is active).

    Parameters
    ----------
    routes
        A ``dask_geopandas.GeoDataFrame`` of lines in EPSG:4326 with a ``route_id`` column.
    countries
        The ``countries`` layer or a prebuilt :class:`~corridors.crossings.CountryIndex`.
    tolerance_m
        Border tolerance in metres, as in :func:`corridors.metrics.route_metrics`.

    Returns
    -------
    dask.dataframe.DataFrame
        Every column of :func:`corridors.metrics.route_metrics`, one row per route, computed
        lazily. Rows come grouped by partition: sort by ``route_id`` to compare.

    Raises
    ------
    ValidationError
        No ``route_id`` column (the rows of a route could not be brought together).
    """
    import dask

    if "route_id" not in routes.columns:
        raise ValidationError("<dask GeoDataFrame>", ["file: a route_id column is needed to keep each route whole"])
    index = CountryIndex.coerce(countries)
    meta = _meta(routes.columns, index, tolerance_m)
    try:
        from distributed import get_client

        # On a cluster, send the indexes to every worker once instead of inside the task graph.
        shared = get_client().scatter(index, broadcast=True, hash=False)
    except (ImportError, ValueError):
        # Named by identity: hashing the indexes' arrays for a key would take longer than the metrics.
        shared = dask.delayed(index, name=f"corridors-country-index-{id(index):x}")
    tagged = routes.map_partitions(_tag, meta=_tag(routes._meta))
    whole = tagged.shuffle("route_id", npartitions=routes.npartitions)
    return whole.map_partitions(_partition, shared, tolerance_m, meta, routes.crs, meta=meta)
