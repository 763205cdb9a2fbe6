"""Scale-out: route metrics over a dask-geopandas GeoDataFrame (optional extra ``corridors[dask]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .country_index import CountryIndex
from .metrics import route_metrics
from .tolerance import DEFAULT_TOLERANCE_M

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["route_metrics_dask"]


def _partition(routes: gpd.GeoDataFrame, index: CountryIndex, tolerance_m: float) -> pd.DataFrame:
    if routes.empty:
        return _meta()
    return route_metrics(routes, index, tolerance_m=tolerance_m)[_meta().columns]


def _meta() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "route_id": pd.Series(dtype=object),
            "length_km": pd.Series(dtype=float),
            "km_by_country": pd.Series(dtype=object),
            "crossings": pd.Series(dtype=int),
            "country_sequence": pd.Series(dtype=object),
            "along_border_km": pd.Series(dtype=float),
            "direct_km": pd.Series(dtype=float),
            "detour_factor": pd.Series(dtype=float),
        }
    )


def route_metrics_dask(
    routes: Any,
    countries: gpd.GeoDataFrame | CountryIndex,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> Any:
    """Route metrics of a ``dask_geopandas.GeoDataFrame``, one partition at a time.

    The country indexes are built once and passed to every partition as one shared object
    (scattered once to every worker when a ``distributed`` client is active). All rows of a
    route must lie in one partition (e.g. partitions built from whole routes).

    Returns
    -------
    dask.dataframe.DataFrame
        The columns ``route_id``, ``length_km``, ``km_by_country``, ``crossings``,
        ``country_sequence``, ``along_border_km``, ``direct_km``, ``detour_factor`` of
        :func:`corridors.metrics.route_metrics`, computed lazily.
    """
    import dask

    index = CountryIndex.coerce(countries)
    try:
        from distributed import get_client

        # On a cluster, send the indexes to every worker once instead of inside the task graph.
        shared = get_client().scatter(index, broadcast=True, hash=False)
    except (ImportError, ValueError):
        shared = dask.delayed(index, pure=True)
    return routes.map_partitions(_partition, shared, tolerance_m, meta=_meta())
