"""The bundled layers: loading, validation, and published figures with stated tolerances."""

import tomllib
from pathlib import Path

import numpy as np
import pytest
import shapely

import corridors
from corridors.errors import LayerNotFoundError
from corridors.geodesy import area_km2, length_km, lengths_km
from corridors.layers import ROUTE_LAYERS, list_layers, read_events, read_layer
from corridors.legs import legs_from_routes


@pytest.mark.parametrize("name", list_layers())
def test_every_layer_loads_with_provenance(name):
    frame = read_layer(name)
    assert len(frame) > 0
    assert frame.crs.to_epsg() == 4326
    for column in ("id", "source", "licence", "retrieved", "method"):
        assert frame[column].notna().all(), column


def test_lookup_is_forgiving_and_misses_list_layers():
    assert len(corridors.read_layer("Zangezur route")) == len(read_layer("zangezur_route"))
    with pytest.raises(LayerNotFoundError, match="Available layers: countries"):
        read_layer("zangezur_rout3x")


def test_armenia_iran_border_is_44_km(countries):
    """CIA World Factbook: 44 km. Tolerance ±2 km (issue #2)."""
    am = countries.set_index("iso_a2").geometry["AM"]
    ir = countries.set_index("iso_a2").geometry["IR"]
    shared = am.boundary.intersection(ir.buffer(0.0015))
    assert length_km(shapely.line_merge(shared)) == pytest.approx(44, abs=2)


def test_nakhchivan_area():
    """Official 5,502.75 km² (Nakhchivan presidential library). OpenStreetMap gives ~5,303 km²
    (−3.6%); the tolerance is 4%, one point wider than asked in issue #2 (see README)."""
    assert area_km2(read_layer("nakhchivan").geometry.iloc[0]) == pytest.approx(5502.75, rel=0.04)


def test_horadiz_aghband_stays_in_azerbaijan(index):
    """The line runs on the north (Azerbaijani) bank of the Aras and never enters Iran."""
    routes = read_layer("zangezur_route")
    legs = legs_from_routes(routes[routes["name"] == "Horadiz–Aghband railway"], index)
    assert list(legs["country"]) == ["AZ"]


def _route_km(route_id, routes):
    return lengths_km(routes[routes["route_id"] == route_id].geometry.values).sum()


def test_baku_tbilisi_kars_has_no_sea_leg(routes, index):
    """The line passes Lake Kartsakhi on land (the GE|TR border runs through the lake)."""
    legs = legs_from_routes(routes[routes["route_id"] == "baku_tbilisi_kars"], index)
    assert list(legs["country"]) == ["AZ", "GE", "TR"]


def test_baku_alat_agrees_with_natural_earth(routes):
    """No published track length found (InvestBaku's "65 km south of Baku" is a road distance). The
    OpenStreetMap track is checked against the independent Natural Earth railroad, Baku–Alat 84.97 km
    (scripts/raw/ne_10m_railroads_region.geojson, leg Baku–Alat); Natural Earth is generalised (shorter),
    hence 0 to +10%."""
    assert 84.97 <= _route_km("baku_alat", routes) <= 84.97 * 1.10


@pytest.mark.parametrize(
    ("route_id", "expected"),
    [
        ("zangezur", ["AZ", "AM", "AZ", "TR"]),
        ("aras_corridor", ["AZ", "IR", "AZ"]),
        ("kalaleh_jolfa", ["IR"]),
        ("astara_rasht", ["AZ", "IR"]),
        ("qazvin_rasht", ["IR"]),
        ("instc_east", ["KZ", "TM", "IR"]),
        ("instc_trans_caspian", ["RU", "sea", "IR"]),
        ("alat_horadiz", ["AZ"]),
        ("baku_alat", ["AZ"]),
        ("baku_tbilisi_kars", ["AZ", "GE", "TR"]),
        ("armenia_m2", ["AM", "IR"]),
    ],
)
def test_route_passes_through_the_expected_countries(routes, index, route_id, expected):
    legs = legs_from_routes(routes[routes["route_id"] == route_id], index)
    assert list(legs["country"]) == expected


def _route_ids():
    return sorted({r for layer in ROUTE_LAYERS for r in read_layer(layer)["route_id"]})


@pytest.mark.parametrize("route_id", _route_ids())
def test_every_route_passes_through_the_countries_it_declares(routes, index, route_id):
    """Each segment's declared ``countries`` (land only: a sea leg declares none) is what the analysis finds."""
    chosen = routes[routes["route_id"] == route_id]
    land = [c for c in legs_from_routes(chosen, index)["country"] if c != "sea"]
    declared = [c for seg in chosen["countries"] for c in seg]
    collapse = lambda codes: [c for i, c in enumerate(codes) if i == 0 or c != codes[i - 1]]  # noqa: E731
    assert collapse(land) == collapse(declared)


def test_instc_west_sequence(routes, index):
    """Russia, Azerbaijan and Iran by rail, then the sea lane into Nhava Sheva (India) without
    crossing Mumbai."""
    legs = legs_from_routes(routes[routes["route_id"] == "instc_west"], index)
    assert list(legs["country"]) == ["RU", "AZ", "IR", "sea", "IN"]


def test_lines_near_borders_have_dense_vertices(routes, index):
    """Vertices at most ~2 km apart where a route runs within 5 km of a land border."""
    from corridors.geodesy import line_segments

    xy, owner = line_segments(routes.geometry.values)
    km = lengths_km(shapely.linestrings(xy.reshape(-1, 2, 2)))
    mx, my = (xy[:, 0] + xy[:, 2]) / 2, (xy[:, 1] + xy[:, 3]) / 2
    distance, land = index.border_distance_m(mx, my, 5_000)
    near = np.isfinite(distance) & land & (routes["mode"].to_numpy()[owner] != "sea")  # per segment
    assert np.median(km[near]) <= 2.1


def test_route_layers_are_lines():
    for name in ROUTE_LAYERS:
        assert set(read_layer(name).geom_type) == {"LineString"}


# ------------------------------------------------------------------ sources, statuses, names (issue #12)

SOURCES = tomllib.loads((Path(__file__).parents[1] / "scripts" / "sources.toml").read_text(encoding="utf-8"))


def _source_text(key):
    entry = SOURCES["sources"][key]
    return f"{entry['title']} — {entry['url']}" if entry["url"] else entry["title"]


def _dated_sources():
    """Source text -> the dates it states facts for."""
    return {_source_text(k): set(v["facts"]) for k, v in SOURCES["sources"].items()}


@pytest.mark.parametrize("entry", SOURCES["lengths"], ids=[e["id"] for e in SOURCES["lengths"]])
def test_published_length(routes, index, entry):
    """Every published length of scripts/sources.toml, with its tolerance (or as a lower bound for a
    schematic mountain line, which is shorter than the track)."""
    chosen = routes[routes["id"].isin(entry["features"])]
    assert sorted(chosen["id"]) == sorted(entry["features"])
    if "country" in entry:
        legs = legs_from_routes(chosen, index)
        km = legs.loc[legs["country"] == entry["country"], "km"].sum()
    else:
        km = lengths_km(chosen.geometry.values).sum()
    if entry.get("check") == "lower_bound":
        assert set(chosen["geometry_quality"]) == {"schematic"}
        assert 0.80 * entry["km"] <= km <= entry["km"]
    else:
        assert km == pytest.approx(entry["km"], rel=entry["rel"])


def test_every_route_feature_has_a_dated_status_with_a_source(routes):
    dated = _dated_sources()
    problems = []
    for row in routes.itertuples():
        for column in ("status", "status_as_of", "status_source", "geometry_quality", "route_name"):
            if not isinstance(getattr(row, column), str):
                problems.append(f"{row.id}: no {column}")
        if row.status_as_of not in dated.get(row.status_source, ()):
            problems.append(f"{row.id}: {row.status_source!r} states nothing dated {row.status_as_of}")
        if isinstance(row.disruption, str) and row.disruption_since not in dated.get(row.disruption_source, ()):
            problems.append(f"{row.id}: disruption since {row.disruption_since} not in its source")
    assert problems == []


def test_route_name_is_the_same_on_every_segment_of_a_route(routes):
    assert (routes.groupby("route_id")["route_name"].nunique() == 1).all()


@pytest.mark.parametrize(
    ("feature", "status", "as_of", "column", "date"),
    [
        ("zangezur-4", "under_construction", "2026-03-05", "construction_started", "2025-08-22"),
        ("zangezur-4", "under_construction", "2026-03-05", "expected", "2029"),
        ("zangezur-3", "under_reconstruction", "2025-12-05", "construction_started", "2025-12-05"),
        ("aras_corridor-1", "completed_not_open", "2026-02-23", None, None),
        ("zangezur-1", "under_construction", "2026-02-27", "expected", "2026"),
        ("kalaleh_jolfa_highway-1", "under_construction", "2025-10", "expected", "2026-08"),
        ("kalaleh_jolfa-1", "operational", "2025-10", None, None),
        ("astara_rasht-2", "planned", "2026-02-11", None, None),
        ("rasht_anzali-1", "operational", "2024-06-20", "opened", "2024-06-20"),
        ("russia_iran_gas-1", "planned", "2026-02-13", None, None),
    ],
)
def test_status_matches_the_public_record(routes, feature, status, as_of, column, date):
    """The dated facts of ../shared/data/status_facts.md (April 2026), issue #12."""
    row = routes.set_index("id").loc[feature]
    assert (row["status"], row["status_as_of"]) == (status, as_of)
    if column is not None:
        assert row[column] == date


def test_instc_is_operational_and_disrupted(routes):
    """A route can be operational and disrupted: INSTC cargo largely suspended from 2026-02-28."""
    west = routes[routes["route_id"] == "instc_west"]
    assert "operational" in set(west["status"])
    assert set(west["disruption_since"]) == {"2026-02-28"}
    assert routes.loc[routes["route_id"] == "baku_tbilisi_kars", "disruption"].isna().all()


def test_zangezur_aliases_name_tripp_and_who_uses_which():
    zangezur = read_layer("zangezur_route")
    aliases = zangezur["aliases"].iloc[0]
    assert {"Zangezur corridor", "TRIPP", "Trump Route for International Peace and Prosperity"} <= set(aliases)
    assert "Washington declaration of 2025-08-08" in zangezur["alias_usage"].iloc[0]
    aras = read_layer("iranian_bypass").set_index("route_id")["aliases"]
    assert {"Araz corridor", "Aras corridor"} <= set(aras["aras_corridor"].iloc[0])


@pytest.mark.parametrize(
    ("place", "spellings"),
    [
        ("baku", {"Bakı", "Баку", "باکو", "Բաքու", "ბაქო"}),
        ("moscow", {"Москва", "مسکو"}),
        ("nakhchivan", {"Naxçıvan", "Нахчыван", "نخجوان", "Նախիջևան"}),
        ("meghri", {"Мегри", "Մեղրի", "მეღრი"}),
    ],
)
def test_places_carry_geonames_alternate_names(place, spellings):
    """Latin (Azerbaijani), Cyrillic, Persian, Armenian and Georgian spellings from GeoNames."""
    places = read_layer("places").set_index("place_id")
    names = places.loc[place, "alternate_names"]
    assert spellings <= set(names)
    assert not {"BAK", "مسكو"} & set(names)  # codes and Arabic-only spellings are dropped


def test_places_of_the_story_are_present():
    places = set(read_layer("places")["place_id"])
    assert {"meghri", "agarak", "kapan", "goris", "yerevan", "tabriz", "ardabil"} <= places


def test_events_are_dated_points_at_known_places():
    events = read_layer("events")
    places = set(read_layer("places")["place_id"])
    assert set(events["place_id"]) <= places
    dated = _dated_sources()
    for row in events.itertuples():
        facts = dated.get(row.source, set())
        assert not facts or row.date in facts, row.event_id
    washington = events.set_index("event_id").loc["washington_declaration_2025"]
    assert (washington["date"], washington["place_id"]) == ("2025-08-08", "meghri")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            "2025-06-20",
            "2025-08-31",
            ["israel_iran_war_2025", "washington_declaration_2025", "kars_dilucu_groundbreaking_2025"],
        ),
        ("2025-04-15", "2025-04-15", ["armenia_iran_exercises_2025"]),
        ("2026", None, ["war_on_iran_2026", "nakhchivan_airport_strike_2026"]),
        (None, "2023-12-31", ["embassy_attack_2023"]),
    ],
)
def test_read_events_filters_by_date_range(start, end, expected):
    """An event is kept when any day of it (a month-dated event: any day of the month) is in the range."""
    assert list(read_events(start, end)["event_id"]) == expected


@pytest.mark.parametrize(("start", "end"), [("2025-13", None), ("yesterday", None), ("2026", "2025")])
def test_read_events_rejects_bad_ranges(start, end):
    with pytest.raises(ValueError, match="ISO date|after"):
        read_events(start, end)


def test_pipelines_are_mode_pipeline_with_capacity():
    pipelines = read_layer("pipelines")
    assert set(pipelines["mode"]) == {"pipeline"}
    assert pipelines["capacity"].notna().all()


def test_m2_road_stays_in_armenia_to_the_border(routes, index):
    """The schematic M2 runs through Armenian villages so that it never clips Nakhchivan (at Yeraskh) or
    Azerbaijan (between Goris and Kapan); it ends across the Aras at Nurduz."""
    legs = legs_from_routes(routes[routes["route_id"] == "armenia_m2"], index)
    assert "AZ" not in set(legs["country"])


@pytest.mark.parametrize("route_id", ["baku_alat", "baku_tbilisi_kars", "instc_west", "zangezur"])
def test_surveyed_railways_have_no_sea_leg(routes, index, route_id):
    """Tracks along the coast stay on the land of the countries layer (scripts/build_geodata.py, onto_land)."""
    legs = legs_from_routes(routes[(routes["route_id"] == route_id) & (routes["mode"] == "rail")], index)
    assert "sea" not in set(legs["country"])


def test_geometry_quality_says_how_each_line_was_made(routes):
    quality = routes.set_index("id")["geometry_quality"]
    assert quality["zangezur-4"] == "traced"  # OpenStreetMap construction ways
    assert quality["baku_tbilisi_kars-1"] == "surveyed"
    assert quality["zangezur-2"] == "schematic"  # the Meghri section: no source has the track
    assert quality["astara_rasht-2"] == "schematic"


def test_every_place_lies_in_the_country_it_names(countries):
    """A place's point is inside its own country's polygon (Nurduz was once drawn on the Armenian bank)."""
    places = read_layer("places")
    joined = places.sjoin(countries[["iso_a2", "geometry"]].rename(columns={"iso_a2": "found"}), how="left")
    wrong = joined[joined["found"] != joined["iso_a2"]]
    assert wrong.empty, wrong[["id", "iso_a2", "found"]].to_string()
