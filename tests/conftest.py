"""Shared fixtures: the bundled layers, read once per session. Browser tests skip without Chromium, except in CI."""

import os

import pytest
from _browser import browser_skip_reason

import corridors.layers as layers
from corridors.country_index import CountryIndex


@pytest.fixture(scope="session")
def countries():
    return layers.read_layer("countries")


@pytest.fixture(scope="session")
def index(countries):
    return CountryIndex.from_countries(countries)


@pytest.fixture(scope="session")
def routes():
    return layers.read_route_layers()


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if item.get_closest_marker("browser")]
    reason = browser_skip_reason(os.environ) if browser else None
    for item in browser if reason else ():
        item.add_marker(pytest.mark.skip(reason=reason))
