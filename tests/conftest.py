"""Shared fixtures: the bundled layers and the country indexes, built once per session. Browser tests skip
without Chromium, except in CI."""

import os

import geopandas as gpd
import pytest
from _browser import browser_skip_reason
from shapely.geometry import Polygon, box

import corridors.layers as layers
from corridors.country_index import CountryIndex

# Synthetic countries: AA | BB | AA (unit squares, the eastern AA an exclave) from lon 44 to 47,
# lat 39 to 40, with CC, a triangle, on top of them; the sea all around.
SQUARES = gpd.GeoDataFrame(
    {"iso_a2": ["AA", "BB", "AA", "CC"]},
    geometry=[
        box(44.0, 39.0, 45.0, 40.0),
        box(45.0, 39.0, 46.0, 40.0),
        box(46.0, 39.0, 47.0, 40.0),
        Polygon([(44.0, 40.0), (47.0, 40.0), (45.5, 41.0)]),
    ],
    crs=4326,
)


@pytest.fixture(scope="session")
def countries():
    return layers.read_layer("countries")


@pytest.fixture(scope="session")
def index(countries):
    return CountryIndex.from_countries(countries)


@pytest.fixture(scope="session")
def squares():
    """Index of :data:`SQUARES` (one row per country)."""
    return CountryIndex.from_countries(SQUARES.dissolve("iso_a2").reset_index())


@pytest.fixture(scope="session")
def analysis():
    """Everything the maps show, analysed once for the whole run (tests must not change it)."""
    from corridors.pipeline import analyse

    return analyse()


@pytest.fixture(scope="session")
def routes():
    return layers.read_route_layers()


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if item.get_closest_marker("browser")]
    reason = browser_skip_reason(os.environ) if browser else None
    for item in browser if reason else ():
        item.add_marker(pytest.mark.skip(reason=reason))
