"""Maps at two levels: the folium object, and fragments of the rendered HTML."""

import html
import re

import pandas as pd
import pytest

import corridors.layers as layers
from corridors.assets import FILES, PACKAGES
from corridors.crossings import crossings_from_routes
from corridors.historic import historic_split
from corridors.metrics import route_metrics
from corridors.pipeline import MAP_NAMES, canonical_html, map_layers
from corridors.render import ATTRIBUTION, MapSpec, render_map
from corridors.specs import ChoiceSpec


@pytest.fixture(scope="module")
def analysed(routes, countries):
    hostile = routes[routes["route_id"] == "astara_rasht"].copy()
    hostile["name"] = "<img src=x onerror=alert(1)> {{7*7}} Ağbənd آستارا Արաքս l'Aras"
    all_routes = pd.concat([routes[routes["route_id"] != "astara_rasht"], hostile], ignore_index=True)
    metrics = route_metrics(all_routes, countries)
    crossings = crossings_from_routes(all_routes, countries, regions=layers.read_layer("nakhchivan"))
    return all_routes, metrics, crossings


def render(analysed, countries, groups=()):
    routes, metrics, crossings = analysed
    spec = MapSpec(
        "t",
        "Title <b>",
        "Caption 46.9 km",
        ("astara_rasht", "zangezur"),
        (44, 36, 50, 42),
        groups,
        place_ids=("baku", "nakhchivan"),
        layers=("nakhchivan", "historic_azerbaijan"),
    )
    historic = layers.read_layer("historic_azerbaijan")
    data = map_layers(
        spec,
        countries=countries,
        routes=routes,
        places=layers.read_layer("places"),
        metrics=metrics,
        crossings=crossings,
        layers={"nakhchivan": layers.read_layer("nakhchivan"), "historic_azerbaijan": historic},
        split=historic_split(historic),
    )
    return render_map(spec, data)


def choice(analysed, label, route_id):
    routes, _, crossings = analysed
    lines = routes[routes["route_id"] == route_id]
    return ChoiceSpec(label, f"caption {label}", lines, crossings[crossings["route_id"] == route_id], (route_id,))


def test_object_has_groups_legend_and_controls(analysed, countries):
    groups = (choice(analysed, "A", "zangezur"), choice(analysed, "B", "astara_rasht"))
    fmap = render(analysed, countries, groups=groups)
    children = list(fmap._children.values())
    names = [type(c).__name__ for c in children]
    assert {"LayerControl", "GroupedLayerControl", "MeasureControl", "Fullscreen", "VectorMiniMap"} <= set(names)
    groups = [c for c in children if type(c).__name__ == "FeatureGroup"]
    assert [g.layer_name for g in groups] == ["A", "B"]
    assert [g.show for g in groups] == [True, False]  # exclusive: only the first is drawn at first
    assert not any(g.control for g in groups)  # in the grouped control, not in the layer control
    grouped = next(c for c in children if type(c).__name__ == "GroupedLayerControl")
    assert grouped.options["exclusiveGroups"] == ["Show one way"]
    assert grouped.layers_untoggle == [groups[1].get_name()]


def test_without_groups_every_route_is_an_overlay(analysed, countries):
    fmap = render(analysed, countries)
    groups = [c for c in fmap._children.values() if type(c).__name__ == "FeatureGroup"]
    assert [(g.layer_name, g.show, g.control) for g in groups] == [("Routes", True, True)]


def test_html_fragments_escape_data(analysed, countries):
    page = canonical_html(render(analysed, countries).get_root().render())
    assert "Title &lt;b&gt;" in page and "Caption 46.9 km" in page
    assert html.escape(ATTRIBUTION).replace("%", "&#37;") in page
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#123;&#123;7*7&#125;&#125;" in page and "&gt; 49 " not in page  # not run by Jinja
    assert "Ağbənd آستارا Արաքս l&#x27;Aras" in page
    assert 'aria-label="Legend"' in page


def test_page_has_summary_table_from_metrics_and_split(analysed, countries):
    routes, metrics, _ = analysed
    page = canonical_html(render(analysed, countries).get_root().render())
    panel = page[page.index("<aside class='corridors-panel'") :]
    zangezur = metrics.set_index("route_id").loc["zangezur"]
    assert f"{zangezur['length_km']:,.1f}" in panel
    assert f"AM {zangezur['km_by_country']['AM']:,.1f}" in panel
    split = historic_split(layers.read_layer("historic_azerbaijan")).set_index(["definition", "part"])
    assert f"{split.loc[('core', 'south'), 'area_share']:.1%}" in panel
    assert "<th scope='col'>Border crossings</th>" in panel


def test_only_leaflet_jquery_and_pinned_plugins_are_loaded(analysed, countries):
    page = render(analysed, countries).get_root().render()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert set(scripts + styles) <= set(FILES)  # each has a pinned npm source for --self-contained
    used = {FILES[u][0] for u in scripts + styles}
    assert {"leaflet", "jquery", "leaflet-measure", "leaflet-minimap", "leaflet.fullscreen"} <= used <= set(PACKAGES)
    assert not re.search("bootstrap|fontawesome|awesome-markers", page)


def test_captions_carry_the_analysis_numbers(analysis):
    data = analysis
    specs = {s.name: s for s in data.specs}
    assert tuple(specs) == MAP_NAMES
    access = specs["nakhchivan_access"]
    am = data.metrics.set_index("route_id").loc["zangezur", "km_by_country"]["AM"]
    assert f"crosses {am:.1f} km of Armenia" in access.caption
    by_sequence = data.access.set_index("sequence_text")
    choices = ("AZ → AM → AZ", "AZ → IR → AZ", "AZ → GE → TR → AZ")  # the three ways, in choice order
    best = min(by_sequence.loc[s, "length_km"] for s in choices)
    for i, sequence in enumerate(choices):
        km = by_sequence.loc[sequence, "length_km"]
        assert f"{km:,.0f} km" + (f" (+{km - best:,.0f})" if round(km - best) > 0 else "") in access.caption
        assert access.comparison[i][0] == sequence
    south = data.split.set_index(["definition", "part"]).loc[("core", "south")]
    assert f"{south['area_share']:.0%} of the area" in specs["historic_azerbaijan"].caption


def test_each_way_has_its_caption_and_legend_in_the_page(analysed, countries):
    groups = (choice(analysed, "A", "zangezur"), choice(analysed, "B", "astara_rasht"))
    fmap = render(analysed, countries, groups=groups)
    layers = [c for c in fmap._children.values() if type(c).__name__ == "FeatureGroup"]
    page = fmap.get_root().render()
    first = f"<section class='corridors-choice' data-choice='0' data-layer='{layers[0].get_name()}'><h3>A</h3>"
    second = f"<section class='corridors-choice' data-choice='1' data-layer='{layers[1].get_name()}' hidden><h3>B</h3>"
    assert first in page and second in page
    assert "<p>caption B</p>" in page


def test_basemap_strokes_borders_not_clip_edges(analysed, countries):
    page = canonical_html(render(analysed, countries).get_root().render())
    assert '"stroke": false' in page  # land fills: no outline, so the clip frame is never drawn
    assert "background:#cfe3f0" in page  # the sea is the map's background, distinct from the land
    labels = re.findall(r'corridors-country-label"[^)]*\)\.setLatLng\([^)]*\)\s*\.setContent\("([^"]+)"\)', page)
    assert {"Armenia", "Azerbaijan", "Iran"} <= set(labels)


def test_vector_minimap_is_one_class(countries):
    from corridors.render import VectorMiniMap

    first, second = VectorMiniMap(countries), VectorMiniMap(countries)
    assert type(first) is type(second) is VectorMiniMap
    assert first.data["features"] and first.data == second.data


def test_every_draw_kind_draws_a_synthetic_layer_with_escaped_text():
    import folium
    import geopandas as gpd
    import shapely

    from corridors.render_layers import DRAWERS, add_layer

    hostile = "<b>Araz</b> {{1+1}}"
    point, line = shapely.Point(46.2, 38.9), shapely.LineString([(45.5, 38.95), (46.5, 38.85)])
    square = shapely.box(45.9, 38.8, 46.1, 39.0)
    frames = {
        "region": gpd.GeoDataFrame({"name": [hostile]}, geometry=[square], crs=4326),
        "water": gpd.GeoDataFrame({"name": [hostile]}, geometry=[square], crs=4326),
        "rivers": gpd.GeoDataFrame({"name": [hostile]}, geometry=[line], crs=4326),
        "sea_labels": gpd.GeoDataFrame({"name": [hostile]}, geometry=[point], crs=4326),
        "capitals": gpd.GeoDataFrame({"name": [hostile], "iso_a2": ["AM"]}, geometry=[point], crs=4326),
        "admin1": gpd.GeoDataFrame({"name": [hostile], "iso_a2": ["AM"]}, geometry=[square], crs=4326),
        "events": gpd.GeoDataFrame(
            {
                "event_id": ["e1"],
                "name": [hostile],
                "date": ["2025-08-08"],
                "date_end": [None],
                "kind": ["agreement"],
                "summary": ["signed"],
                "source": ["Title — https://example.org"],
            },
            geometry=[point],
            crs=4326,
        ),
        "pipelines": gpd.GeoDataFrame(
            {"name": [hostile], "status": ["operational"], "status_as_of": ["2026-11-01"]},
            geometry=[shapely.MultiLineString([line.coords, [(46.5, 38.85), (46.7, 38.9)]])],
            crs=4326,
        ),
    }
    assert set(frames) | {"countries", "historic"} == set(DRAWERS)
    for kind, frame in frames.items():
        fmap = folium.Map(tiles=None)
        add_layer(fmap, kind, frame)
        page = fmap.get_root().render().replace("\\u0026", "&")  # GeoJSON properties are JSON-escaped too
        assert "&lt;b&gt;Araz&lt;/b&gt; &#123;&#123;1+1&#125;&#125;" in page, kind
        assert "<b>Araz</b>" not in page, kind
        assert "leaflet-dvf" not in page and "L.marker(" not in page, kind  # no plugin, no icon image to fetch
    fmap = folium.Map(tiles=None)
    add_layer(fmap, "events", frames["events"])
    assert "2025-08-08: &lt;b&gt;Araz" in fmap.get_root().render()
    fmap = folium.Map(tiles=None)
    add_layer(fmap, "pipelines", frames["pipelines"])
    assert "pipeline, operational as of 2026-11-01" in fmap.get_root().render()


def test_your_own_route_file_on_a_map(tmp_path, capsys):
    import geopandas as gpd
    import shapely

    from corridors.cli import main

    frame = gpd.GeoDataFrame(
        geometry=[
            shapely.MultiLineString([[(45.0, 39.5), (47.0, 39.5)], [(47.0, 40.0), (49.0, 40.0)]]),
            shapely.LineString([(44.0, 40.0), (46.0, 41.0)]),
        ],
        crs=4326,
    )
    source = tmp_path / "mine.gpkg"
    frame.to_file(source, driver="GPKG")
    out = tmp_path / "mine.html"
    assert main(["map", str(source), "--out", str(out), "--title", "Mine <i>"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert "Mine &lt;i&gt;" in page and "2 route(s) (mode not stated)" in page
    assert page.count("<tr><th scope='row'>") == 2  # both routes in the metrics table
    assert "as of an unstated date" in page


def test_an_unreadable_route_file_is_one_line_exit_2(tmp_path, capsys):
    from corridors.cli import main

    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"not a geopackage")
    assert main(["map", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("corridors: error: ") and "cannot be read as gpkg" in err and err.count("\n") == 1


def test_dated_events_are_drawn_and_listed_in_the_panel(analysed, countries):
    import geopandas as gpd
    import shapely

    routes, metrics, crossings = analysed
    events = gpd.GeoDataFrame(
        {
            "event_id": ["b", "a"],
            "name": ["Later <event>", "Earlier"],
            "date": ["2025-08-08", "2024-01-01"],
            "date_end": [None, "2024-02-01"],
            "kind": ["agreement", "works"],
            "summary": ["signed", "begun"],
            "source": ["S1", "S2"],
        },
        geometry=[shapely.Point(46.2, 38.9), shapely.Point(46.0, 38.9)],
        crs=4326,
    )
    spec = MapSpec("t", "T", "C", ("zangezur",), (45.5, 38.7, 46.8, 39.3), layers=("events",))
    data = map_layers(
        spec,
        countries=countries,
        routes=routes,
        places=layers.read_layer("places"),
        metrics=metrics,
        crossings=crossings,
        layers={"events": events},
        split=None,
    )
    page = render_map(spec, data).get_root().render()
    panel = page[page.index("<aside class='corridors-panel'") :]
    assert "<caption>Dated events</caption>" in panel
    assert panel.index("2024-01-01–2024-02-01") < panel.index("2025-08-08")  # in date order
    assert "Later &lt;event&gt;" in panel
    assert "2025-08-08: Later &lt;event&gt;" in page  # the marker's tooltip


def test_legend_lists_routes_under_their_catalogue_group_with_the_status_date(analysed, countries):
    from corridors.catalogue import load_catalogue

    page = canonical_html(render(analysed, countries).get_root().render())
    legend = page[page.index('<div class="corridors-legend"') :]
    legend = legend[: legend.index("</details>")]
    catalogue = load_catalogue()
    for route_id in ("astara_rasht", "zangezur"):
        group = html.escape(catalogue.legend_group(route_id), quote=False)
        assert f"<b>{group}</b>" in legend and f'stroke="{catalogue.colour(route_id)}"' in legend
    assert "<b>Status as of an unstated date</b>" in legend  # the spec's status_as_of
    assert "Nakhchivan</li>" in legend and "dated event" not in legend  # the map's region, and no events layer


def test_static_labels_take_part_in_the_collision_pass(analysed, countries):
    page = canonical_html(render(analysed, countries).get_root().render())
    classes = set(re.findall(r"corridors-label corridors-priority-(\d) corridors-(\w+)-label", page))
    assert {("4", "place"), ("1", "country")} <= classes  # key places win over country names
    assert '<span data-priority="0">' in page  # crossing labels give way to every other label


def test_segment_popup_gives_its_own_length_and_the_whole_route(analysed, countries):
    routes, metrics, crossings = analysed
    with_length = (routes.assign(length_km=12.345), metrics, crossings)
    page = canonical_html(render(with_length, countries).get_root().render())
    assert "This segment: 12.3 km" in page and "whole route" in page
    assert page.count('"className": "corridors-hit"') == page.count('"pane": "corridors-routes"') > 0
