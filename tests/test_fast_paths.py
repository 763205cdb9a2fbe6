"""The shortcuts of the country index give the answers of the plain geometric tests."""

import pickle

import numpy as np
import shapely

import corridors.metrics as metrics
from corridors.country_index import CountryIndex


def _points_near_outlines(index: CountryIndex, n: int, spread_deg: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    edges = index.edge_xy[rng.integers(0, len(index.edge_xy), n)]
    along = rng.uniform(0, 1, n)
    x = edges[:, 0] + (edges[:, 2] - edges[:, 0]) * along + rng.normal(0, spread_deg, n)
    y = edges[:, 1] + (edges[:, 3] - edges[:, 1]) * along + rng.normal(0, spread_deg, n)
    # Outline vertices themselves: the nearest outline is then two segments at once.
    return np.r_[x, edges[:500, 0]], np.r_[y, edges[:500, 1]]


def test_border_distance_matches_nearest_query(index):
    """The fast path against a plain search: every outline edge within the window, the geodesically nearest."""
    x, y = _points_near_outlines(index, 5_000, 0.004)
    distance, land = index.border_distance_m(x, y, 500)
    points = shapely.points(x, y)
    window = 500 / (111_320 * np.cos(np.radians(np.abs(y).max())))
    hit_point, hit_edge = index.edges.query(points, predicate="dwithin", distance=window)
    ends = shapely.get_coordinates(shapely.shortest_line(points[hit_point], index.edges.geometries[hit_edge]))
    ends = ends.reshape(-1, 4)
    from corridors.geodesy import segment_lengths_m

    metres = segment_lengths_m(ends[:, 0], ends[:, 1], ends[:, 2], ends[:, 3])
    order = np.lexsort((metres, hit_point))  # per point, the nearest edge first
    first = order[np.unique(hit_point[order], return_index=True)[1]]
    ok = metres[first] <= 500
    expected = np.full(len(x), np.inf)
    expected[hit_point[first][ok]] = metres[first][ok]
    expected_land = np.zeros(len(x), dtype=bool)
    expected_land[hit_point[first][ok]] = index.land[hit_edge[first][ok]]
    assert np.allclose(distance, expected, rtol=1e-9, atol=1e-6)
    assert np.array_equal(land, expected_land)
    assert np.isfinite(distance).sum() > 1_000


def test_clear_points_are_far_from_every_outline(index):
    x, y = _points_near_outlines(index, 20_000, 0.03)
    reach = np.full(len(x), 0.015)
    clear = index.clear_of_outlines(x, y, reach)
    assert 0 < clear.sum() < len(x)
    nearest = index.edges.query_nearest(shapely.points(x[clear], y[clear]), return_distance=True)[1]
    assert nearest.min() > 0.015
    assert not index.clear_of_outlines(x, y, np.full(len(x), 0.03)).any()  # beyond the grid's reach


def test_country_codes_match_the_polygons(index, countries):
    x, y = _points_near_outlines(index, 3_000, 0.01)
    codes, several = index.country_codes(x, y)
    polygons = np.asarray(countries.geometry.values, dtype=object)
    inside = shapely.intersects_xy(polygons[:, None], x[None, :], y[None, :])
    one = inside.sum(axis=0) == 1
    assert np.array_equal(index.labels[codes[one]], countries["iso_a2"].to_numpy()[inside[:, one].argmax(axis=0)])
    assert (index.labels[codes[inside.sum(axis=0) == 0]] == "sea").all()
    assert not several[one].any()


def test_metrics_do_not_depend_on_chunks(index, routes, monkeypatch):
    whole = metrics.route_metrics(routes, index)
    monkeypatch.setattr(metrics, "_CHUNK_VERTICES", 500)
    assert len(metrics._chunks(routes)) > 1
    chunked = metrics.route_metrics(routes, index)
    assert whole.drop(columns="km_by_country").equals(chunked.drop(columns="km_by_country"))
    for a, b in zip(whole["km_by_country"], chunked["km_by_country"], strict=True):  # sums in another order
        assert a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(a[k])) for k in a)


def test_index_survives_pickling(index):
    copy = pickle.loads(pickle.dumps(index))
    assert all(shapely.is_prepared(copy.tiles.geometries))
    x, y = _points_near_outlines(index, 500, 0.01)
    assert np.array_equal(copy.country_codes(x, y)[0], index.country_codes(x, y)[0])
