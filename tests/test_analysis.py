"""Analysis on synthetic geometry with exact answers, and property tests of its invariants."""

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, box

from corridors.country_index import CountryIndex
from corridors.crossings import crossings_from_routes
from corridors.geodesy import densify, length_km, lengths_km
from corridors.legs import legs_from_routes
from corridors.metrics import route_metrics

# Three unit squares west to east: AA | BB | AA (the eastern AA is an exclave).
COUNTRIES = gpd.GeoDataFrame(
    {"iso_a2": ["AA", "BB", "AA"]},
    geometry=[box(44.0, 39.0, 45.0, 40.0), box(45.0, 39.0, 46.0, 40.0), box(46.0, 39.0, 47.0, 40.0)],
    crs=4326,
)
INDEX = CountryIndex.from_countries(COUNTRIES.dissolve("iso_a2").reset_index())


def routes_of(*lines):
    return gpd.GeoDataFrame({"route_id": [f"r{i}" for i in range(len(lines))]}, geometry=list(lines), crs=4326)


def test_line_crossing_a_country_twice():
    legs = legs_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), INDEX)
    assert list(legs["country"]) == ["AA", "BB", "AA"]
    geod = Geod(ellps="WGS84")
    # Cut points split a segment's geodesic length in proportion to its lon/lat parameter:
    # within 1e-4 of the exact sub-geodesic for a 170 km segment.
    assert legs["km"].iloc[1] == pytest.approx(geod.inv(45, 39.5, 46, 39.5)[2] / 1000, rel=1e-4)
    crossings = crossings_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), INDEX)
    assert list(zip(crossings["from"], crossings["to"], strict=True)) == [("AA", "BB"), ("BB", "AA")]
    assert crossings["lon"].tolist() == pytest.approx([45.0, 46.0])


def test_zigzag_along_a_border_is_not_a_crossing():
    # Runs north along lon 45 (the AA|BB border), stepping 100 m into BB and back every 2 km.
    ys = np.linspace(39.1, 39.9, 41)
    xs = np.where(np.arange(41) % 2 == 0, 44.999, 45.001)
    line = LineString([(44.6, 39.05), *zip(xs, ys, strict=True), (44.6, 39.95)])
    legs = legs_from_routes(routes_of(line), INDEX)
    assert list(legs["country"]) == ["AA"]
    strict = legs_from_routes(routes_of(line), INDEX, tolerance_m=50)
    assert len(strict) > 20
    metrics = route_metrics(routes_of(line), INDEX)
    zigzag = LineString(list(zip(xs, ys, strict=True)))
    assert metrics["along_border_km"].iloc[0] == pytest.approx(length_km(zigzag), rel=0.01)


def test_exclave_is_reported_in_crossings():
    regions = gpd.GeoDataFrame({"name": ["East AA"], "iso_a2": ["AA"]}, geometry=[box(46, 39, 47, 40)], crs=4326)
    crossings = crossings_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), INDEX, regions=regions)
    assert crossings["arrives_in"].isna().tolist() == [True, False]
    assert crossings["arrives_in"].iloc[1] == "East AA"


def test_sea_legs():
    legs = legs_from_routes(routes_of(LineString([(46.5, 39.5), (48.0, 39.5)])), INDEX)
    assert list(legs["country"]) == ["AA", "sea"]


def test_lengths_agree_with_geographiclib_inverse():
    # GeographicLib (Karney 2013) on WGS84: Baku (49.89201, 40.37767) to Tehran (51.42151, 35.69439).
    geod = Geod(ellps="WGS84")
    expected = geod.inv(49.89201, 40.37767, 51.42151, 35.69439)[2] / 1000
    assert length_km(LineString([(49.89201, 40.37767), (51.42151, 35.69439)])) == pytest.approx(expected, abs=1e-6)


coordinate = st.tuples(st.floats(43.5, 47.5), st.floats(39.05, 39.95))


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=12, unique=True))
def test_parts_sum_to_total_and_reverse_reverses(points):
    line = LineString(points)
    if line.length == 0:
        return
    legs = legs_from_routes(routes_of(line), INDEX)
    assert legs["km"].sum() == pytest.approx(lengths_km([line])[0], rel=1e-6, abs=1e-9)
    back = legs_from_routes(routes_of(line.reverse()), INDEX)
    assert list(back["country"]) == list(legs["country"])[::-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=12, unique=True))
def test_same_country_ends_cross_an_even_number_of_times(points):
    line = LineString(points)
    legs = legs_from_routes(routes_of(line), INDEX)
    if legs.empty:
        return
    if legs["country"].iloc[0] == legs["country"].iloc[-1]:
        assert (len(legs) - 1) % 2 == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=8, unique=True), st.floats(0.1, 20.0))
def test_densifying_keeps_length(points, step):
    line = LineString(points)
    dense = densify(line, step)
    assert lengths_km([dense])[0] == pytest.approx(lengths_km([line])[0], rel=1e-6)


def test_zero_tolerance_counts_every_excursion():
    line = LineString([(44.5, 39.5), (45.0005, 39.5), (44.5, 39.6)])
    assert list(legs_from_routes(routes_of(line), INDEX, tolerance_m=0)["country"]) == ["AA", "BB", "AA"]
    assert list(legs_from_routes(routes_of(line), INDEX)["country"]) == ["AA"]
