"""The world countries layer and the basemap layers (lakes, rivers, seas, capitals, admin1)."""

import numpy as np
import pytest
import shapely
from pyproj import Geod

from corridors.geodesy import length_km
from corridors.layers import read_layer

GEOD = Geod(ellps="WGS84")


def _area_m2(geometry):
    return abs(GEOD.geometry_area_perimeter(geometry)[0])


@pytest.fixture(scope="module")
def by_code(countries):
    return countries.set_index("iso_a2").geometry


def test_every_country_once_with_its_properties(countries):
    assert countries["iso_a2"].is_unique
    assert len(countries) > 200  # the world, not the 20 countries of the corridors
    for column in ("iso_a2", "name", "source", "quality"):
        assert countries[column].notna().all(), column
    detailed = set(countries.loc[countries["quality"] == "detailed", "iso_a2"])
    assert detailed == {"AM", "AZ", "GE", "IR", "TR"}
    assert countries.set_index("iso_a2").loc["RU", "quality"] == "mixed"


def test_no_two_countries_overlap(countries):
    """Pairwise overlap is below 1 m² (geodesic) for every pair of touching polygons."""
    geometries = countries.geometry.to_numpy()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    overlaps = shapely.intersection(geometries[left[pairs]], geometries[right[pairs]])
    areas = np.array([_area_m2(g) if g.area > 0 else 0.0 for g in overlaps])
    codes = countries["iso_a2"].to_numpy()
    worst = {f"{codes[i]}|{codes[j]}": a for i, j, a in zip(left[pairs], right[pairs], areas, strict=True) if a >= 1}
    assert worst == {}


@pytest.mark.parametrize(
    ("place", "lon", "lat", "code"),
    [
        ("Paris", 2.3522, 48.8566, "FR"),
        ("Lyon", 4.8357, 45.7640, "FR"),
        ("Minsk", 27.5667, 53.9000, "BY"),
        ("Kyiv", 30.5234, 50.4501, "UA"),
        ("Sanaa", 44.2064, 15.3547, "YE"),
        ("Dushanbe", 68.7791, 38.5598, "TJ"),
        ("Bishkek", 74.5698, 42.8746, "KG"),
        ("Smolensk", 32.0401, 54.7826, "RU"),
        ("Simferopol", 34.1024, 44.9521, "UA"),
        ("Yerevan", 44.5126, 40.1811, "AM"),
        ("Artsvashen (Armenian exclave)", 45.5126, 40.6273, "AM"),
    ],
)
def test_places_fall_in_their_country(countries, place, lon, lat, code):
    hits = countries.loc[countries.contains(shapely.Point(lon, lat)), "iso_a2"].tolist()
    assert hits == [code], place


def test_russia_is_not_clipped_at_36_east(by_code):
    assert by_code["RU"].bounds[0] < 30 and by_code["RU"].bounds[2] > 170


def test_moscow_to_minsk_is_land(countries):
    line = shapely.LineString([(37.6173, 55.7558), (27.5667, 53.9)])
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(line, 0.05)))
    land = shapely.union_all(countries.geometry[countries["iso_a2"].isin(["RU", "BY"])].to_numpy())
    assert shapely.contains(land, points).all()


def test_caspian_is_sea_and_lake_sevan_is_land(countries):
    land = countries.geometry
    assert not land.contains(shapely.Point(51.0, 41.0)).any()  # middle Caspian
    assert land.contains(shapely.Point(45.3, 40.35)).sum() == 1  # Lake Sevan, in Armenia


def test_armenia_iran_border_is_still_44_km(by_code):
    """CIA World Factbook: 44 km; the OpenStreetMap polygons give about 44 km (±2 km)."""
    shared = by_code["AM"].boundary.intersection(by_code["IR"].buffer(0.0015))
    assert length_km(shapely.line_merge(shared)) == pytest.approx(44, abs=2)


def test_natural_earth_meets_openstreetmap_without_a_strip_of_sea(by_code):
    """Along the Iran–Turkmenistan land border no point is more than 100 m from Turkmenistan."""
    border = by_code["IR"].boundary.intersection(shapely.box(56.0, 37.0, 60.0, 38.5))
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(border, 0.01)))
    near = shapely.dwithin(by_code["TM"], points, 0.001)
    assert near.mean() > 0.95


def test_lakes_hold_sevan_and_urmia_not_the_caspian():
    names = set(read_layer("lakes")["name"])
    assert {"Lake Sevan", "Lake Urmia"} <= names
    assert "Caspian Sea" not in names


def test_rivers_hold_the_aras_along_the_armenia_iran_border(by_code):
    rivers = read_layer("rivers").set_index("name").geometry
    assert {"Aras", "Kura"} <= set(rivers.index)
    border = by_code["AM"].boundary.intersection(by_code["IR"].buffer(0.0015))
    # Natural Earth's 1:10m Aras (generalised) stays within about 3 km of the OpenStreetMap border,
    # median 1.3 km (measured 2026-11-29).
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(border, 0.01)))
    assert shapely.dwithin(rivers["Aras"], points, 0.03).all()
    assert np.median(shapely.distance(rivers["Aras"], points)) < 0.015


def test_sea_labels_lie_at_sea(countries):
    seas = read_layer("seas").set_index("name").geometry
    assert {"Caspian Sea", "Black Sea", "Persian Gulf", "Gulf of Oman", "Arabian Sea"} <= set(seas.index)
    land = shapely.union_all(countries.geometry.to_numpy())
    assert not shapely.intersects(land, seas.to_numpy()).any()


def test_capitals_lie_in_their_country(countries):
    capitals = read_layer("capitals")
    assert {"Yerevan", "Baku", "Tbilisi", "Tehran", "Ankara", "Moscow"} <= set(capitals["name"])
    shapes = countries.set_index("iso_a2").geometry
    for name, code, point in zip(capitals["name"], capitals["iso_a2"], capitals.geometry, strict=True):
        assert shapes[code].distance(point) < 0.05, name  # within ~5 km (Natural Earth points)


def test_syunik_is_a_labelled_point_in_armenia(by_code):
    syunik = read_layer("admin1").set_index("name").loc["Syunik"]
    assert syunik["iso_a2"] == "AM"
    assert syunik["geometry_kind"] == "label_point" and "no openly licensed polygon" in syunik["note"]
    assert by_code["AM"].contains(syunik.geometry)
