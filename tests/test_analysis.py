"""Analysis on synthetic geometry with exact answers, and property tests of its invariants."""

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, box

from corridors._crs import lon_lat_swapped
from corridors.crossings import crossings_from_routes, port_calls_from_routes
from corridors.errors import LonLatSwapWarning, ToleranceError, ValidationError
from corridors.geodesy import densify, length_km, lengths_km
from corridors.legs import legs_from_routes
from corridors.metrics import route_metrics
from corridors.tolerance import MAX_TOLERANCE_M


def routes_of(*lines):
    return gpd.GeoDataFrame({"route_id": [f"r{i}" for i in range(len(lines))]}, geometry=list(lines), crs=4326)


def test_line_crossing_a_country_twice(squares):
    legs = legs_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), squares)
    assert list(legs["country"]) == ["AA", "BB", "AA"]
    geod = Geod(ellps="WGS84")
    # Cut points split a segment's geodesic length in proportion to its lon/lat parameter:
    # within 1e-4 of the exact sub-geodesic for a 170 km segment.
    assert legs["km"].iloc[1] == pytest.approx(geod.inv(45, 39.5, 46, 39.5)[2] / 1000, rel=1e-4)
    crossings = crossings_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), squares)
    assert list(zip(crossings["from"], crossings["to"], strict=True)) == [("AA", "BB"), ("BB", "AA")]
    assert crossings["lon"].tolist() == pytest.approx([45.0, 46.0])


def test_zigzag_along_a_border_is_not_a_crossing(squares):
    # Runs north along lon 45 (the AA|BB border), stepping 100 m into BB and back every 2 km.
    ys = np.linspace(39.1, 39.9, 41)
    xs = np.where(np.arange(41) % 2 == 0, 44.999, 45.001)
    line = LineString([(44.6, 39.05), *zip(xs, ys, strict=True), (44.6, 39.95)])
    legs = legs_from_routes(routes_of(line), squares)
    assert list(legs["country"]) == ["AA"]
    strict = legs_from_routes(routes_of(line), squares, tolerance_m=50)
    assert len(strict) > 20
    metrics = route_metrics(routes_of(line), squares)
    zigzag = LineString(list(zip(xs, ys, strict=True)))
    assert metrics["along_border_km"].iloc[0] == pytest.approx(length_km(zigzag), rel=0.01)


def test_exclave_is_reported_in_crossings(squares):
    regions = gpd.GeoDataFrame({"name": ["East AA"], "iso_a2": ["AA"]}, geometry=[box(46, 39, 47, 40)], crs=4326)
    crossings = crossings_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), squares, regions=regions)
    assert crossings["arrives_in"].isna().tolist() == [True, False]
    assert crossings["arrives_in"].iloc[1] == "East AA"


def test_sea_legs(squares):
    legs = legs_from_routes(routes_of(LineString([(46.5, 39.5), (48.0, 39.5)])), squares)
    assert list(legs["country"]) == ["AA", "sea"]


def test_lengths_agree_with_geographiclib_inverse():
    # GeographicLib (Karney 2013) on WGS84: Baku (49.89201, 40.37767) to Tehran (51.42151, 35.69439).
    geod = Geod(ellps="WGS84")
    expected = geod.inv(49.89201, 40.37767, 51.42151, 35.69439)[2] / 1000
    assert length_km(LineString([(49.89201, 40.37767), (51.42151, 35.69439)])) == pytest.approx(expected, abs=1e-6)


coordinate = st.tuples(st.floats(43.5, 47.5), st.floats(39.05, 39.95))


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=12, unique=True))
def test_parts_sum_to_total_and_reverse_reverses(squares, points):
    line = LineString(points)
    if line.length == 0:
        return
    legs = legs_from_routes(routes_of(line), squares)
    assert legs["km"].sum() == pytest.approx(lengths_km([line])[0], rel=1e-6, abs=1e-9)
    back = legs_from_routes(routes_of(line.reverse()), squares)
    assert list(back["country"]) == list(legs["country"])[::-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=2, max_size=12, unique=True))
def test_same_country_ends_cross_an_even_number_of_times(squares, points):
    line = LineString(points)
    legs = legs_from_routes(routes_of(line), squares)
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


def test_zero_tolerance_counts_every_excursion(squares):
    line = LineString([(44.5, 39.5), (45.0005, 39.5), (44.5, 39.6)])
    assert list(legs_from_routes(routes_of(line), squares, tolerance_m=0)["country"]) == ["AA", "BB", "AA"]
    assert list(legs_from_routes(routes_of(line), squares)["country"]) == ["AA"]


# --- Border posts, port calls, CRS, tolerance bounds, lon/lat order (issue 11) ---


def _posts(*rows):
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "countries": [r[1] for r in rows]},
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs=4326,
    )


def test_border_post_serves_the_same_pair_within_15_km(squares):
    line = routes_of(LineString([(44.5, 39.5), (45.5, 39.5)]))
    posts = _posts(
        ("AA-CC on the spot", ["AA", "CC"], 45.0, 39.5),  # wrong pair, though nearest
        ("BB-AA 11 km north", ["BB", "AA"], 45.0, 39.6),
    )
    crossing = crossings_from_routes(line, squares, border_posts=posts).iloc[0]
    assert crossing["border_post"] == "BB-AA 11 km north"
    # The geodesic bows ~120 m north of lat 39.5 at the border: the post is 11.0 km away, not 11.1.
    assert crossing["border_post_km"] == pytest.approx(10.98, abs=0.01)
    far = _posts(("AA-BB 33 km south", ["AA", "BB"], 45.0, 39.2))
    crossing = crossings_from_routes(line, squares, border_posts=far).iloc[0]
    assert crossing["border_post"] is None
    assert np.isnan(crossing["border_post_km"])


def test_zangezur_border_posts_serve_the_countries_crossed(routes, index, countries):
    import corridors.layers as layers

    posts = layers.read_layer("border_posts")
    crossings = crossings_from_routes(routes[routes["route_id"] == "zangezur"], index, border_posts=posts)
    first = crossings.iloc[0]
    assert (first["from"], first["to"]) == ("AZ", "AM")
    assert first["border_post"] != "Aghband – Kalaleh (Aras bridge)"
    served = {row.name: set(row.countries) for row in posts.itertuples()}
    for row in crossings.itertuples():
        assert row.border_post is None or served[row.border_post] == {row._3, row.to}
        assert row.border_post is None or row.border_post_km <= 15


def test_land_crossings_and_port_calls_are_apart(routes, index):
    import corridors.layers as layers

    places = layers.read_layer("places")
    west = routes[routes["route_id"] == "instc_west"]
    metrics = route_metrics(west, index, places=places).iloc[0]
    assert metrics["crossings"] == 2
    assert metrics["port_calls"] == ["Bandar Abbas", "Uran (Nhava Sheva port)"]
    crossings = crossings_from_routes(west, index)
    assert list(zip(crossings["from"], crossings["to"], strict=True)) == [("RU", "AZ"), ("AZ", "IR")]
    calls = port_calls_from_routes(west, index, places=places)
    assert calls["port"].tolist() == ["Bandar Abbas", "Uran (Nhava Sheva port)"]
    assert calls.crs.to_epsg() == 4326
    assert (calls.geometry.x == calls["lon"]).all()


def test_coastal_excursion_within_tolerance_is_no_crossing(routes, index):
    # instc_trans_caspian touches the Russian coast 72 m deep after leaving Astrakhan (500 m tolerance).
    metrics = route_metrics(routes[routes["route_id"] == "instc_trans_caspian"], index).iloc[0]
    assert metrics["country_sequence"] == ["RU", "sea", "IR"]
    assert metrics["crossings"] == 0
    assert metrics["port_calls"] == [None, None]  # no places given: ports are not named


def test_crossings_are_points_in_wgs84(squares):
    crossings = crossings_from_routes(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), squares)
    assert isinstance(crossings, gpd.GeoDataFrame)
    assert crossings.crs.to_epsg() == 4326
    assert crossings.geometry.geom_type.unique().tolist() == ["Point"]
    assert crossings.geometry.x.tolist() == crossings["lon"].tolist()


def test_projected_routes_are_reprojected(squares):
    wgs84 = routes_of(LineString([(44.5, 39.5), (46.5, 39.5)]), LineString([(45.5, 39.2), (45.5, 40.5)]))
    utm = wgs84.to_crs(32638)
    want = route_metrics(wgs84, squares)
    got = route_metrics(utm, squares)
    for a, b in zip(want["km_by_country"], got["km_by_country"], strict=True):
        assert b == pytest.approx(a, rel=1e-6)
    assert legs_from_routes(utm, squares)["country"].tolist() == legs_from_routes(wgs84, squares)["country"].tolist()
    assert crossings_from_routes(utm, squares)["to"].tolist() == ["BB", "AA", "CC"]


@pytest.mark.parametrize("function", [route_metrics, legs_from_routes, crossings_from_routes])
def test_missing_crs_is_refused(squares, function):
    naive = routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])).set_crs(None, allow_override=True)
    with pytest.raises(ValidationError, match="no CRS"):
        function(naive, squares)


@pytest.mark.parametrize("tolerance_m", [float("nan"), -1.0, float("inf"), MAX_TOLERANCE_M + 1, 1e6, "wide"])
@pytest.mark.parametrize("function", [route_metrics, legs_from_routes, crossings_from_routes])
def test_tolerance_must_be_finite_and_bounded(squares, function, tolerance_m):
    with pytest.raises(ToleranceError, match="tolerance_m must be"):
        function(routes_of(LineString([(44.5, 39.5), (46.5, 39.5)])), squares, tolerance_m=tolerance_m)


def test_tolerance_at_the_bound_is_accepted(squares):
    # The line runs 86 km through BB, never more than 43 km from AA: a stay at 40 km, not at 50 km.
    line = routes_of(LineString([(44.5, 39.5), (46.5, 39.5)]))
    assert route_metrics(line, squares, tolerance_m=40_000)["crossings"].iloc[0] == 2
    assert route_metrics(line, squares, tolerance_m=MAX_TOLERANCE_M)["crossings"].iloc[0] == 0


def test_swapped_lon_lat_warns(squares):
    import re

    import corridors.layers as layers

    swapped = routes_of(LineString([(39.0, 46.0), (39.2, 46.3)]))  # Rostov region; swapped: Azerbaijan
    with pytest.warns(LonLatSwapWarning, match=re.escape("lon/lat swapped?")):
        route_metrics(swapped, squares)
    with pytest.warns(LonLatSwapWarning, match="'r0'"):
        layers.read_routes(swapped)
    assert lon_lat_swapped(swapped.geometry.values).tolist() == [True]
    assert lon_lat_swapped(routes_of(LineString([(46.0, 39.0), (46.3, 39.2)])).geometry.values).tolist() == [False]
