"""The maps in a real browser: Debian's Chromium driven by Playwright, with the network off.

Needs the npm cache filled once (`corridors assets`, part of the README's test command) and
Chromium (`apt install chromium`, done by .ci/run).
"""

import io

import pandas as pd
import pytest
from PIL import Image

import corridors.layers as layers
from corridors.assets import inline_assets, missing_assets
from corridors.display import basemap_for_display
from corridors.pipeline import MAP_NAMES, analyse, build_maps, canonical_html, for_display, map_layers
from corridors.render import MapSpec, drawable_routes, render_map
from corridors.snapshot import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api", reason="install the test extra: pip install -e '.[test]'")

HOSTILE = (
    "<img src=x onerror=\"window.pwned='img'\"><script>window.pwned='script'</script>"
    " {{7*7}} {% if 1 %}jinja{% endif %} ${window.pwned='template'} `tick` \"dq\" 'sq' \\n"
    " Ağbənd آستارا Արաքս 🚆 \u202eevil\u202c bell\x07esc\x1b end"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if missing_assets():
        pytest.fail(f"npm cache incomplete ({', '.join(missing_assets())}): run `corridors assets` once")
    out = tmp_path_factory.mktemp("maps")
    build_maps(out, self_contained=True)
    return out


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        yield instance
        instance.close()


class Visit:
    """One page in a fresh offline context, recording console errors, requests and dialogs."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
        self.requests, self.errors, self.dialogs = [], [], []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length > 0")
        self.map = self.page.evaluate("document.querySelector('.folium-map').id")

    def external_requests(self):
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def analysis():
    return analyse()


def expected_paths(spec, data):
    """Vector features Leaflet must draw when the page opens: basemap, overlays, labels, routes, crossings."""
    basemap = basemap_for_display(data.countries, spec.bounds)
    overlays = sum(len(for_display(data.layers[n], spec.bounds)) for n in spec.layers)  # events are circle markers
    if spec.groups:
        first = spec.groups[0]
        lines, crossings = drawable_routes(first.lines), first.crossings
        crossings = crossings[crossings["route_id"].isin(first.route_ids)]
    else:
        lines = drawable_routes(data.routes[data.routes["route_id"].isin(spec.route_ids)])
        crossings = data.crossings[data.crossings["route_id"].isin(spec.route_ids)]
    return len(basemap.land) + len(basemap.borders) + overlays + len(spec.place_ids) + len(lines) + len(crossings)


@pytest.mark.parametrize("name", MAP_NAMES)
def test_self_contained_map_renders_offline(built, browser, analysis, name):
    spec = next(s for s in analysis.specs if s.name == name)
    visit = Visit(browser, (built / f"{name}.html").as_uri())
    try:
        assert visit.errors == []
        assert visit.external_requests() == []
        drawn = visit.page.locator(f"#{visit.map} > .leaflet-map-pane .leaflet-overlay-pane path").count()
        assert drawn == expected_paths(spec, analysis)
        assert visit.page.locator(".corridors-legend").is_visible()
        assert visit.page.locator(".leaflet-control-minimap path").count() > 0  # vector overview map
        assert visit.page.locator(".leaflet-control-scale").is_visible()
        assert "© OpenStreetMap contributors (ODbL)" in visit.page.locator(".leaflet-control-attribution").inner_text()
        assert (built / f"{name}.html").stat().st_size <= 2 * 1024 * 1024
        table = visit.page.locator(".corridors-panel table").first
        assert table.locator("tbody tr").count() == len(spec.route_ids)
        assert visit.page.get_by_role("region", name="Legend").count() == 1
        image = Image.open(io.BytesIO(visit.page.screenshot())).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20)
        assert len(colours) > 50 and max(c for c, _ in colours) < 0.8 * image.width * image.height
    finally:
        visit.close()


def test_exclusive_groups_show_one_way_at_a_time(built, browser, analysis):
    spec = next(s for s in analysis.specs if s.name == "nakhchivan_access")
    region = len(for_display(analysis.regions, spec.bounds))  # the exclave is outlined in the same orange
    zangezur = [region + (drawable_routes(g.lines)["route_id"] == "zangezur").sum() for g in spec.groups]
    visit = Visit(browser, (built / "nakhchivan_access.html").as_uri())
    try:
        radios = visit.page.locator(".leaflet-control-layers-group input[type=radio]")
        assert radios.count() == 3
        orange = f"#{visit.map} > .leaflet-map-pane .leaflet-overlay-pane path[stroke='#D55E00']"  # Zangezur
        assert visit.page.locator(orange).count() == zangezur[0] > region
        radios.nth(1).check()  # through Iran: the Meghri section disappears, Horadiz–Aghband stays
        assert visit.page.locator(orange).count() == zangezur[1] < zangezur[0]
        assert visit.errors == []
    finally:
        visit.close()


def test_hostile_text_is_shown_literally_and_runs_nothing(browser, routes, countries, analysis, tmp_path):
    hostile = routes[routes["route_id"] == "astara_rasht"].copy()
    hostile["name"] = HOSTILE
    hostile["sources"] = HOSTILE
    places = layers.read_layer("places").copy()
    places.loc[places["id"] == "rasht", "name"] = HOSTILE
    regions = layers.read_layer("nakhchivan").copy()
    regions["name"] = HOSTILE
    spec = MapSpec(
        "hostile",
        HOSTILE,
        HOSTILE,
        ("astara_rasht",),
        (44.5, 36.5, 50.5, 40.5),
        place_ids=("rasht",),
        layers=("nakhchivan",),
    )
    data = map_layers(
        spec,
        countries=countries,
        routes=pd.concat([routes[routes["route_id"] != "astara_rasht"], hostile]),
        places=places,
        metrics=analysis.metrics,
        crossings=analysis.crossings,
        layers={"nakhchivan": regions},
        split=analysis.split,
    )
    fmap = render_map(spec, data)
    country_names = set(data.country_labels["name"])
    path = tmp_path / "hostile.html"
    path.write_text(inline_assets(canonical_html(fmap.get_root().render())), encoding="utf-8")
    visit = Visit(browser, path.as_uri())
    try:
        page = visit.page
        region = regions.geometry.iloc[0].representative_point()
        point = page.evaluate(f"window['{visit.map}'].latLngToContainerPoint([{region.y}, {region.x}])")
        box = page.locator(f"#{visit.map}").bounding_box()
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_function(f"document.querySelectorAll('.leaflet-tooltip').length == {2 + len(country_names)}")
        texts = page.locator(".leaflet-tooltip").all_text_contents()
        label_and_region = [t for t in texts if t.strip() not in country_names]  # the place label and the region
        assert len(label_and_region) == 2
        route_tooltip_and_popup = page.evaluate(
            """name => {
                const texts = [];
                window[name].eachLayer(layer => {
                    if (layer instanceof L.Polyline && !(layer instanceof L.Polygon) && layer.getPopup()) {
                        layer.openTooltip(); texts.push(layer.getTooltip().getElement().textContent);
                        layer.openPopup(); texts.push(layer.getPopup().getElement().textContent);
                    }
                });
                return texts;
            }""",
            visit.map,
        )
        assert len(route_tooltip_and_popup) == 2 * len(hostile)
        for text in (
            label_and_region
            + route_tooltip_and_popup
            + [
                page.locator(".corridors-title h1").text_content(),
                page.locator(".corridors-title p").first.text_content(),
                page.locator(".corridors-panel h2").text_content(),
            ]
        ):
            assert HOSTILE in text
        assert page.evaluate("window.pwned") is None
        assert visit.dialogs == [] and visit.errors == [] and visit.external_requests() == []
    finally:
        visit.close()
