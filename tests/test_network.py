"""The corridor network: constraints are honoured or refused, never dropped."""

import json

import pytest

import corridors.layers as layers
from corridors.cli import main
from corridors.errors import NoRouteError, PlaceNotFoundError
from corridors.network import CorridorNetwork, alternatives, shortest_route
from corridors.places import name_key


@pytest.fixture(scope="module")
def network(routes, countries):
    return CorridorNetwork.from_layers(routes, layers.read_layer("places"), countries)


def test_name_folding():
    assert name_key("Naxçıvan") == name_key("Nakhchivan") == name_key("NAKHCHIVAN")
    assert name_key("Iğdır") == name_key("Igdir")


@pytest.mark.parametrize(
    ("avoid", "must", "must_not"),
    [((), {"AM"}, set()), (("AM",), {"IR"}, {"AM"}), (("AM", "IR"), {"GE", "TR"}, {"AM", "IR"})],
)
def test_baku_to_nakhchivan(network, avoid, must, must_not):
    route = shortest_route(network, "Baku", "Naxçıvan", avoid=avoid)
    assert route["country_sequence"][0] == "AZ" and route["country_sequence"][-1] == "AZ"
    assert must <= set(route["country_sequence"])
    assert not must_not & set(route["country_sequence"])


def test_impossible_constraints_raise(network):
    with pytest.raises(NoRouteError, match="avoiding AM, IR, GE"):
        shortest_route(network, "Baku", "Nakhchivan", avoid=("AM", "IR", "GE"))


def test_unknown_place_lists_close_matches(network):
    with pytest.raises(PlaceNotFoundError, match="Close matches: .*nakhchivan"):
        shortest_route(network, "Nakhchivam", "Baku")


def test_alternatives_cover_armenia_iran_and_georgia_turkey(network):
    table = alternatives(network, "Baku", "Nakhchivan")
    sequences = [set(s) for s in table["country_sequence"]]
    assert {"AZ", "AM"} in sequences
    assert {"AZ", "IR"} in sequences
    assert any({"GE", "TR"} <= s and not {"AM", "IR"} & s for s in sequences)
    assert table["extra_km"].iloc[0] == 0 and table["extra_km"].is_monotonic_increasing


def test_compare_cli(capsys):
    assert main(["compare", "Baku", "Naxçıvan", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 3
