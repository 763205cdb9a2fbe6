"""Invariants of the per-country split: direction, vertex density, splitting and tiny shifts do not matter."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString

from corridors.geodesy import MAX_GEODESIC_OFFSET_M, densify, geod, geodesic_segments, offset_from_line_m
from corridors.metrics import route_metrics

BUNDLED = [
    "zangezur",
    "aras_corridor",
    "kalaleh_jolfa",
    "astara_rasht",
    "qazvin_rasht",
    "instc_west",
    "instc_trans_caspian",
    "instc_east",
    "baku_alat",
    "alat_horadiz",
    "baku_tbilisi_kars",
]


def _frame(geometry):
    return gpd.GeoDataFrame({"route_id": ["r"]}, geometry=[geometry], crs=4326)


def _metrics(geometry, index):
    row = route_metrics(_frame(geometry), index).iloc[0]
    return row["km_by_country"], row["country_sequence"], int(row["crossings"]), row["length_km"]


def _assert_same_split(a, b, rel):
    """Same km per country within ``rel`` of the route's length (a country absent counts 0 km)."""
    total = sum(a.values())
    for code in set(a) | set(b):
        assert b.get(code, 0.0) == pytest.approx(a.get(code, 0.0), abs=rel * total + 1e-9), code


def _outlines(index):
    return shapely.multilinestrings(shapely.linestrings(index.edge_xy.reshape(-1, 2, 2)))


def _land(sequence):
    return [c for c in sequence if c != "sea"]


def _check_invariants(line, index, *, split_at, shift, step_km):
    km, sequence, crossings, _ = _metrics(line, index)
    back_km, back_sequence, back_crossings, _ = _metrics(line.reverse(), index)
    _assert_same_split(km, back_km, 1e-6)
    assert back_sequence == sequence[::-1]
    assert back_crossings == crossings
    coords = shapely.get_coordinates(line)
    k = 1 + split_at % (len(coords) - 2) if len(coords) > 2 else 1  # an inner vertex
    parts = MultiLineString([coords[: k + 1], coords[k:]]) if len(coords) > 2 else line
    part_km, part_sequence, part_crossings, _ = _metrics(parts, index)
    _assert_same_split(km, part_km, 1e-6)
    assert (part_sequence, part_crossings) == (sequence, crossings)
    moved_km, moved_sequence, moved_crossings, _ = _metrics(shapely.transform(line, lambda xy: xy + shift), index)
    _assert_same_split(km, moved_km, 1e-6)
    assert (moved_sequence, moved_crossings) == (sequence, crossings)
    dense_km, dense_sequence, dense_crossings, _ = _metrics(densify(line, step_km), index)
    _assert_same_split(km, dense_km, 1e-4)
    assert (_land(dense_sequence), dense_crossings) == (_land(sequence), crossings)


# Around the synthetic AA | BB | AA squares and the CC triangle, sea included.
coordinate = st.tuples(st.floats(43.6, 47.4), st.floats(38.7, 41.3))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.lists(coordinate, min_size=2, max_size=8, unique=True),
    st.integers(0, 100),
    st.sampled_from([1e-9, -1e-9]),
    st.floats(0.5, 30.0),
)
def test_synthetic_routes_split_the_same_however_drawn(squares, points, split_at, shift, step_km):
    line = LineString(points)
    # A route drawn exactly along an outline lies in neither country, and one through a corner
    # where outlines meet touches several: a 1e-9° shift or a vertex 1 m away decides. Real routes
    # do this at border posts; the synthetic ones keep 10 m (1e-4°) away from outline vertices.
    assume(line.length > 0 and shapely.intersection(line, _outlines(squares)).length == 0)
    assume(shapely.distance(line, shapely.multipoints(squares.edge_xy[:, :2])) > 1e-4)
    _check_invariants(line, squares, split_at=split_at, shift=shift, step_km=step_km)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(st.sampled_from(BUNDLED), st.integers(0, 10_000), st.sampled_from([1e-9, -1e-9]), st.floats(1.0, 20.0))
def test_bundled_routes_split_the_same_however_drawn(routes, index, route_id, split_at, shift, step_km):
    rows = routes[routes["route_id"] == route_id]
    line = shapely.line_merge(shapely.union_all(rows.geometry.values))
    if line.geom_type != "LineString":  # keep rows as drawn: one line through all segments in order
        line = LineString(np.concatenate([shapely.get_coordinates(g) for g in rows.geometry.values]))
    _check_invariants(line, index, split_at=split_at, shift=shift, step_km=step_km)


def test_aras_corridor_reversed_keeps_its_km_in_iran(routes, index):
    rows = routes[routes["route_id"] == "aras_corridor"]
    forward = route_metrics(rows, index).iloc[0]["km_by_country"]
    backward_rows = rows.iloc[::-1].assign(geometry=shapely.reverse(rows.geometry.values[::-1]))
    backward = route_metrics(backward_rows, index).iloc[0]["km_by_country"]
    assert backward["IR"] == pytest.approx(forward["IR"], rel=1e-9)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.floats(-179, 179), st.floats(-80, 80), st.floats(-40, 40), st.floats(-40, 40))
def test_geodesic_cutting_follows_the_geodesic(lon, lat, dlon, dlat):
    xy = np.array([[lon, lat, float(np.clip(lon + dlon, -180, 180)), float(np.clip(lat + dlat, -85, 85))]])
    parts, owner, length_m = geodesic_segments(xy)
    assert (owner == 0).all()
    assert length_m.sum() == pytest.approx(geod().inv(*xy[0])[2], rel=1e-9, abs=1e-6)
    assert np.array_equal(parts[0, :2], xy[0, :2]) and np.array_equal(parts[-1, 2:], xy[0, 2:])
    # Every part's straight lon/lat line stays within the allowed offset of its geodesic.
    azimuth, _, metres = geod().inv(parts[:, 0], parts[:, 1], parts[:, 2], parts[:, 3])
    for share in (0.1, 0.3, 0.5, 0.7, 0.9):
        mid_lon, mid_lat, _ = geod().fwd(parts[:, 0], parts[:, 1], azimuth, metres * share)
        assert offset_from_line_m(mid_lon, mid_lat, parts).max() <= MAX_GEODESIC_OFFSET_M
