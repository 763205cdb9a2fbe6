"""Maps at two levels: the folium object, and fragments of the rendered HTML."""

import html

import pandas as pd
import pytest

import corridors.layers as layers
from corridors.crossings import crossings_from_routes
from corridors.metrics import route_metrics
from corridors.render import ATTRIBUTION, MapSpec, render_map
from corridors.report import canonical_html


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
    spec = MapSpec("t", "Title <b>", "Caption 46.9 km", ("astara_rasht", "zangezur"), (44, 36, 50, 42), groups)
    return render_map(
        spec,
        countries=countries,
        routes=routes,
        metrics=metrics,
        crossings=crossings,
        regions=layers.read_layer("nakhchivan"),
    )


def test_object_has_groups_legend_and_controls(analysed, countries):
    fmap = render(analysed, countries, groups=(("A", ("zangezur",)), ("B", ("astara_rasht",))))
    children = list(fmap._children.values())
    names = [type(c).__name__ for c in children]
    assert {"LayerControl", "MeasureControl", "Fullscreen", "MiniMap"} <= set(names)
    groups = [c for c in children if type(c).__name__ == "FeatureGroup"]
    assert [g.layer_name for g in groups] == ["A", "B"] and not any(g.overlay for g in groups)


def test_html_fragments_escape_data(analysed, countries):
    page = canonical_html(render(analysed, countries).get_root().render())
    assert "Title &lt;b&gt;" in page and "Caption 46.9 km" in page
    assert html.escape(ATTRIBUTION).replace("%", "&#37;") in page
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#123;&#123;7*7&#125;&#125;" in page and "&gt; 49 " not in page  # not run by Jinja
    assert "Ağbənd آستارا Արաքս l&#x27;Aras" in page
    assert 'aria-label="Legend"' in page
