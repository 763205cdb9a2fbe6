"""The dask path gives the in-memory results exactly, however the input is partitioned."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from corridors.errors import ValidationError
from corridors.metrics import route_metrics

dask = pytest.importorskip("dask")
dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

from corridors.distributed import route_metrics_dask  # noqa: E402


def random_walks(n, vertices=30, seed=7):
    rng = np.random.default_rng(seed)
    start = rng.uniform([44.5, 38.6], [47.5, 40.5], size=(n, 1, 2))
    steps = rng.normal(0, 0.02, size=(n, vertices - 1, 2))
    coords = np.concatenate([start, start + np.cumsum(steps, axis=1)], axis=1)
    return gpd.GeoDataFrame(
        {"route_id": [f"w{i:05d}" for i in range(n)]}, geometry=[LineString(c) for c in coords], crs=4326
    )


def split_into_rows(routes, rows_per_route=3):
    """Each walk cut into consecutive rows, rows of different routes interleaved."""
    pieces = []
    for route_id, line in zip(routes["route_id"], routes.geometry, strict=True):
        coords = np.asarray(line.coords)
        cuts = np.linspace(0, len(coords) - 1, rows_per_route + 1).astype(int)
        for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            pieces.append((k, route_id, LineString(coords[a : b + 1])))
    pieces.sort(key=lambda p: p[0])  # all first rows, then all second rows, ...
    return gpd.GeoDataFrame(
        {"route_id": [p[1] for p in pieces], "status": "operational", "mode": "rail"},
        geometry=[p[2] for p in pieces],
        crs=4326,
    )


def in_memory_and_dask(routes, index, npartitions):
    expected = route_metrics(routes, index).sort_values("route_id").reset_index(drop=True)
    ddf = dask_geopandas.from_geopandas(routes, npartitions=npartitions)
    with dask.config.set(scheduler="sync"):
        got = route_metrics_dask(ddf, index).compute()
    return expected, got.sort_values("route_id").reset_index(drop=True)


def test_bundled_routes_split_across_partitions(routes, index):
    """Naive from_geopandas(npartitions=4) puts instc_west's rows in two partitions."""
    expected, got = in_memory_and_dask(routes, index, 4)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert list(got.columns) == list(expected.columns)


def test_interleaved_rows_of_many_routes(index):
    expected, got = in_memory_and_dask(split_into_rows(random_walks(60)), index, 5)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_no_route_id_is_refused(index):
    ddf = dask_geopandas.from_geopandas(random_walks(4).drop(columns="route_id"), npartitions=2)
    with pytest.raises(ValidationError, match="route_id"):
        route_metrics_dask(ddf, index)


@pytest.mark.slow
def test_local_cluster_matches_in_memory(index):
    routes = random_walks(3000)
    expected = route_metrics(routes, index).set_index("route_id")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):
        ddf = dask_geopandas.from_geopandas(routes, npartitions=6)
        got = route_metrics_dask(ddf, index).compute().set_index("route_id").loc[expected.index]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
