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
from corridors.pipeline import MAP_NAMES, analyse, canonical_html, map_layers
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


def test_captions_carry_the_analysis_numbers():
    data = analyse()
    specs = {s.name: s for s in data.specs}
    assert tuple(specs) == MAP_NAMES
    access = specs["nakhchivan_access"]
    am = data.metrics.set_index("route_id").loc["zangezur", "km_by_country"]["AM"]
    assert f"crosses {am:.1f} km of Armenia" in access.caption
    for i, way in enumerate(data.access.head(3).itertuples()):
        assert f"{way.length_km:,.0f} km" + (f" (+{way.extra_km:,.0f})" if i else "") in access.caption
        assert access.comparison[i][0] == way.sequence_text
    south = data.split.set_index(["definition", "part"]).loc[("core", "south")]
    assert f"{south['area_share']:.0%} of the area" in specs["historic_azerbaijan"].caption
