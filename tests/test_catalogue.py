"""The catalogue: its ids exist in the data; a route joins a map by one edit; captions fill or fail loudly."""

import pytest
import shapely

import corridors.layers as layers
from corridors.catalogue import CATALOGUE_PATH, load_catalogue, read_catalogue
from corridors.errors import BuildError, CatalogueError
from corridors.pipeline import read_catalogue_layers
from corridors.render_layers import DRAWERS
from corridors.specs import fill_template, map_specs, modes_text, status_as_of_text


def specs_of(catalogue, analysis):
    return map_specs(
        catalogue,
        metrics=analysis.metrics,
        routes=analysis.routes,
        crossings=analysis.crossings,
        split=analysis.split,
        historic=analysis.historic,
        comparisons=analysis.comparisons,
        network=analysis.network,
        country_names=dict(zip(analysis.countries["iso_a2"], analysis.countries["name"], strict=True)),
    )


def test_every_id_the_catalogue_names_exists_in_the_data(routes):
    catalogue = load_catalogue()
    route_ids = set(routes["route_id"])
    assert set(catalogue.routes) <= route_ids, set(catalogue.routes) - route_ids
    assert route_ids <= set(catalogue.routes), "a bundled route has no colour or legend group"
    place_ids = set(layers.read_layer("places")["id"])
    named = {p for m in catalogue.maps.values() for p in m.place_ids} | set(catalogue.place_labels)
    assert named <= place_ids, named - place_ids
    for entry in catalogue.maps.values():
        assert set(entry.layers) <= set(layers.list_layers()), (entry.name, entry.layers)
        assert entry.route_ids, f"map {entry.name} draws no route"
    assert set(catalogue.basemap_layers) <= set(layers.list_layers())
    assert {style.draw for style in catalogue.layers.values()} <= set(DRAWERS)


def test_registries_are_derived_from_the_catalogue():
    from corridors.pipeline import MAP_NAMES
    from corridors.render import ROUTE_COLOURS

    catalogue = load_catalogue()
    assert tuple(catalogue.maps) == MAP_NAMES and "meghri_crossroads" in MAP_NAMES
    assert {rid: style.colour for rid, style in catalogue.routes.items()} == ROUTE_COLOURS
    assert catalogue.maps["north_south_corridor"].route_ids[:3] == ("instc_west", "instc_trans_caspian", "instc_east")


def test_adding_a_route_to_a_map_is_one_catalogue_edit(tmp_path, analysis):
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    edited = text.replace(
        'legend_group = "North–South corridor"\nmaps = ["overview", "north_south_corridor"]\n',
        'legend_group = "North–South corridor"\nmaps = ["overview", "north_south_corridor", "astara_rasht"]\n',
        1,
    )
    assert edited != text  # the edit hit the trans-Caspian route's entry
    path = tmp_path / "catalogue.toml"
    path.write_text(edited, encoding="utf-8")
    specs = {s.name: s for s in specs_of(read_catalogue(path), analysis)}
    assert "instc_trans_caspian" in specs["astara_rasht"].route_ids
    assert "instc_trans_caspian" not in {s.name: s for s in analysis.specs}["astara_rasht"].route_ids


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (('colour = "#D04840"', 'colour = "orange"'), "colour 'orange' is not #RRGGBB"),
        (('maps = ["overview", "astara_rasht"]', 'maps = ["overview", "astara_rash"]'), "unknown map 'astara_rash'"),
        (('layers = ["nakhchivan", "events"]\ncompare', 'layers = ["lake"]\ncompare'), "layer 'lake' has no"),
        (('draw = "water"', 'draw = "waters"'), "draw 'waters' is not one of"),
        (("extent = [47.9, 36.0, 50.6, 39.4]", "extent = [50.6, 36.0, 47.9, 39.4]"), "west < east"),
    ],
)
def test_a_bad_catalogue_is_refused_naming_the_problem(tmp_path, edit, match):
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    assert edit[0] in text
    path = tmp_path / "catalogue.toml"
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(CatalogueError, match=match):
        read_catalogue(path)


def test_a_layer_missing_from_the_data_is_a_clear_error(tmp_path):
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    start = text.index("[maps.meghri_crossroads]")
    block = text[start:].replace('layers = ["nakhchivan"', 'layers = ["nakhchivan", "no_such_water"', 1)
    path = tmp_path / "catalogue.toml"
    path.write_text(text[:start] + block + '\n[layers.no_such_water]\ndraw = "water"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"layers the data does not have: no_such_water \(on meghri_crossroads\)"):
        read_catalogue_layers(read_catalogue(path))


def test_a_caption_placeholder_the_analysis_lacks_is_a_build_error():
    context = {"route": {"zangezur": {"length_km": 517.8}}}
    assert fill_template("{route[zangezur][length_km]:,.0f} km", context, "map m") == "518 km"
    with pytest.raises(BuildError, match=r"map m: the analysis has no value for placeholder \{route\[zangzur\]"):
        fill_template("{route[zangzur][length_km]:.1f}", context, "map m")
    with pytest.raises(BuildError, match="map m: the analysis has no value for placeholder {verdict}"):
        fill_template("Verdict: {verdict}", context, "map m")


def test_modes_and_status_dates_are_stated_not_invented():
    import pandas as pd

    assert modes_text(["road", "rail", "rail"]) == "by rail and road"
    assert modes_text(["sea", "rail", "road"]) == "by rail, road and sea"
    assert modes_text([None]) == "(mode not stated)"
    assert status_as_of_text(pd.DataFrame({"status": ["planned"]})) == "as of an unstated date"
    assert status_as_of_text(pd.DataFrame({"status_as_of": ["2026-11-20", "2026-11-20"]})) == "as of 2026-11-20"
    mixed = pd.DataFrame({"status_as_of": ["2026-10-01", "2026-11-20", None]})
    assert status_as_of_text(mixed) == "as of dates from 2026-10-01 to 2026-11-20 (some segments undated)"


def test_captions_state_mode_status_and_the_claim(analysis):
    specs = {s.name: s for s in analysis.specs}
    access = specs["nakhchivan_access"]
    ways = analysis.comparisons["nakhchivan_access"].set_index("sequence_text")["length_km"]
    armenia, iran = ways["AZ → AM → AZ"], ways["AZ → IR → AZ"]
    shortest = min(armenia, iran, ways["AZ → GE → TR → AZ"])
    extra = lambda km: f" (+{km - shortest:,.0f})" if round(km - shortest) > 0 else ""  # noqa: E731
    expected = f"Baku → Nakhchivan by rail and road: {armenia:,.0f} km{extra(armenia)} through Armenia, "
    assert expected + f"{iran:,.0f} km{extra(iran)} through Iran" in access.caption
    assert "None of the three ways is open end to end as of" in access.caption  # no way is all operational
    historic = specs["historic_azerbaijan"].caption
    south = analysis.split.set_index(["definition", "part"]).loc[("core", "south")]
    assert "The claim: two-thirds of historic Azerbaijan lies in Iran. Verdict: not borne out" in historic
    assert f"{south['area_share']:.0%} of the area and {south['population_share']:.0%} of the population" in historic
    assert "2016 census" in historic and "2019 estimate" in historic and "Borders are today's." in historic
    ns = specs["north_south_corridor"].caption
    ways = analysis.comparisons["north_south_corridor"]
    assert list(ways["sequence_text"]) == ["RU → sea → IR", "RU → AZ → IR"]  # by rail and sea; by rail only
    west = ways.iloc[1]
    assert f"{west['length_km']:,.0f} km (+{west['extra_km']:,.0f}) through Azerbaijan" in ns
    assert "Moscow" not in ns  # like with like: both ways from Astrakhan to Tehran
    assert "astara_az" in specs["north_south_corridor"].place_ids


def test_each_choice_draws_exactly_its_path_end_to_end(analysis):
    access = next(s for s in analysis.specs if s.name == "nakhchivan_access")
    places = layers.read_layer("places").set_index("id").geometry
    armenia = analysis.countries.set_index("iso_a2").geometry["AM"]
    drawn = {}
    for choice in access.groups:
        pieces = list(choice.lines.geometry)
        for before, after in zip(pieces[:-1], pieces[1:], strict=True):
            assert before.coords[-1] == after.coords[0], f"{choice.label}: a gap after {before.coords[-1]}"
        assert pieces[0].coords[0] == places["baku"].coords[0]
        assert pieces[-1].coords[-1] == places["nakhchivan"].coords[0]
        drawn[choice.label] = choice
    through_armenia = [shapely.intersection(c.lines.geometry.values, armenia) for c in drawn.values()]
    assert not all(shapely.is_empty(through_armenia[0]))  # Zangezur: the Meghri section
    assert all(shapely.is_empty(through_armenia[2]))  # Georgia and Turkey: no Meghri section
    assert set(drawn["Through Iran (Aras corridor)"].route_ids) >= {"zangezur", "aras_corridor", "alat_horadiz"}
    assert [len(c.crossings) for c in drawn.values()] == [2, 2, 3]
