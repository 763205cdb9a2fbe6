"""The dask path gives the in-memory results, on a dask.distributed LocalCluster."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from corridors.metrics import route_metrics

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")


def random_walks(n, vertices=30, seed=7):
    rng = np.random.default_rng(seed)
    start = rng.uniform([44.5, 38.6], [47.5, 40.5], size=(n, 1, 2))
    steps = rng.normal(0, 0.02, size=(n, vertices - 1, 2))
    coords = np.concatenate([start, start + np.cumsum(steps, axis=1)], axis=1)
    return gpd.GeoDataFrame(
        {"route_id": [f"w{i:05d}" for i in range(n)]}, geometry=[LineString(c) for c in coords], crs=4326
    )


@pytest.mark.slow
def test_local_cluster_matches_in_memory(index):
    routes = random_walks(3000)
    expected = route_metrics(routes, index).set_index("route_id")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):
        from corridors.scale import route_metrics_dask

        ddf = dask_geopandas.from_geopandas(routes, npartitions=6)
        got = route_metrics_dask(ddf, index).compute().set_index("route_id").loc[expected.index]
    assert np.allclose(got["length_km"], expected["length_km"], rtol=1e-12)
    assert (got["crossings"].to_numpy() == expected["crossings"].to_numpy()).all()
    assert list(got["country_sequence"]) == list(expected["country_sequence"])
    assert pd.Series([sum(d.values()) for d in got["km_by_country"]]).to_numpy() == pytest.approx(
        expected["length_km"].to_numpy(), rel=1e-9
    )
