"""Shared fixtures: the bundled layers, read once per session."""

import pytest

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
