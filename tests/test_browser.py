"""The maps in a real browser: Debian's Chromium driven by Playwright, with the network off.

Needs the npm cache filled once (`corridors assets`, part of the README's test command) and
Chromium (`apt install chromium`, done by .ci/run).
"""

import io
import itertools
import re
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image

import corridors.layers as layers
from corridors.assets import inline_assets, missing_assets
from corridors.catalogue import load_catalogue
from corridors.pipeline import MAP_NAMES, build_maps, canonical_html, layers_of, map_layers
from corridors.render import ROUTE_COLOURS, MapSpec, drawable_routes, render_map
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


DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
AXE = "https://cdn.jsdelivr.net/npm/axe-core@4.10.3/axe.min.js"  # pinned in corridors.assets


class Visit:
    """One page in a fresh offline context, recording console errors, requests and dialogs."""

    def __init__(self, browser, url, size=DESKTOP, ready=True):
        self.context = browser.new_context(offline=True, **size)
        self.requests, self.errors, self.dialogs = [], [], []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url, wait_until="load")
        if ready:
            self.page.wait_for_function("document.documentElement.hasAttribute('data-corridors-ready')")
        self.map = self.page.evaluate("document.querySelector('.folium-map').id")

    def external_requests(self):
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]

    def box(self, selector):
        return self.page.locator(selector).first.bounding_box()

    def control_boxes(self):
        """Name and box of every control of the map (not of the overview map inside it) on screen."""
        return self.page.evaluate(
            """id => Array.from(document.querySelectorAll('#' + id + ' > .leaflet-control-container .leaflet-control'))
                .filter(e => e.parentNode.parentNode.parentNode.id === id && e.offsetWidth > 0)
                .map(e => { const b = e.getBoundingClientRect();
                            return [e.className, {x: b.left, y: b.top, width: b.width, height: b.height}]; })""",
            self.map,
        )

    def label_boxes(self):
        """Name and box of each label shown, once they have stopped moving (Leaflet pans in steps after a
        resize of the window, which phones emulated in a busy machine may report late)."""
        boxes = None
        for _ in range(20):
            previous, boxes = boxes, self._label_boxes()
            if boxes == previous:
                break
            self.page.wait_for_timeout(300)
        return boxes

    def _label_boxes(self):
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('.corridors-label'))
                .filter(e => getComputedStyle(e).visibility !== 'hidden' && e.offsetWidth > 0)
                .map(e => { const b = e.getBoundingClientRect();
                            return [e.textContent.trim(),
                                    {x: b.left, y: b.top, width: b.width, height: b.height}]; })"""
        )

    def axe_violations(self):
        """Serious and critical axe-core violations: (rule id, number of elements)."""
        page = inline_assets(f'<script src="{AXE}"></script>')
        self.page.add_script_tag(content=page[page.index(">") + 1 : page.rindex("</script>")])
        found = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
        return [(v["id"], len(v["nodes"])) for v in found if v["impact"] in ("serious", "critical")]

    def close(self):
        self.context.close()


def overlap(a, b):
    """Whether two boxes share area (touching edges do not count)."""
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def overlapping(named_boxes):
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(named_boxes, 2) if overlap(ba, bb)]


def expected_paths(spec, data):
    """Vector features Leaflet must draw when the page opens, per pane: basemap, overlays and place markers;
    route lines; their invisible hit lines; crossings (one marker per place per group)."""
    drawn = layers_of(data, spec, load_catalogue())
    basemap = drawn.basemap
    # One path per feature (events and capitals are circle markers), except labels: seas, and regions known
    # only by a label point (Syunik).
    overlays = sum(
        int((layer.geometry.geom_type != "Point").sum()) if name in ("seas", "admin1") else len(layer)
        for name, layer in drawn.layers.items()
    )
    if spec.groups:
        first = spec.groups[0]
        lines, crossings = drawable_routes(first.lines), first.crossings
        crossings = crossings[crossings["route_id"].isin(first.route_ids)]
    else:
        lines = drawable_routes(data.routes[data.routes["route_id"].isin(spec.route_ids)])
        crossings = data.crossings[data.crossings["route_id"].isin(spec.route_ids)]
    return {
        "overlay": len(basemap.land) + len(basemap.borders) + overlays + len(spec.place_ids),
        "corridors-routes": len(lines),
        "corridors-hit": len(lines),
        "corridors-crossings": len(crossings.round({"lat": 3, "lon": 3}).drop_duplicates(["from", "to", "lat", "lon"])),
    }


def drawn_paths(visit):
    return {
        pane: visit.page.locator(f"#{visit.map} > .leaflet-map-pane .leaflet-{pane}-pane path").count()
        for pane in ("overlay", "corridors-routes", "corridors-hit", "corridors-crossings")
    }


@pytest.mark.parametrize("name", MAP_NAMES)
def test_self_contained_map_renders_offline(built, browser, analysis, name):
    spec = next(s for s in analysis.specs if s.name == name)
    visit = Visit(browser, (built / f"{name}.html").as_uri())
    try:
        assert visit.errors == []
        assert visit.external_requests() == []
        assert drawn_paths(visit) == expected_paths(spec, analysis)
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
        labels = visit.label_boxes()
        assert len(labels) >= 2 and overlapping(labels) == []  # no two labels meet at the initial view
        assert overlapping(visit.control_boxes()) == []  # title, legend and controls apart
        assert visit.axe_violations() == []
    finally:
        visit.close()


@pytest.mark.parametrize("name", MAP_NAMES)
def test_on_a_phone_labels_stay_apart_and_nothing_overlaps(built, browser, name):
    visit = Visit(browser, (built / f"{name}.html").as_uri(), PHONE)
    try:
        assert visit.errors == []
        labels = visit.label_boxes()
        assert len(labels) >= 2 and overlapping(labels) == []
        assert overlapping(visit.control_boxes()) == []
        assert visit.axe_violations() == []
        assert visit.errors == []
    finally:
        visit.close()


def test_exclusive_groups_show_one_way_at_a_time(built, browser, analysis):
    spec = next(s for s in analysis.specs if s.name == "nakhchivan_access")
    zangezur = [(drawable_routes(g.lines)["route_id"] == "zangezur").sum() for g in spec.groups]
    visit = Visit(browser, (built / "nakhchivan_access.html").as_uri())
    try:
        radios = visit.page.locator(".leaflet-control-layers-group input[type=radio]")
        assert radios.count() == 3
        zangezur_colour = ROUTE_COLOURS["zangezur"]
        lines = f"#{visit.map} > .leaflet-map-pane .leaflet-corridors-routes-pane path[stroke='{zangezur_colour}']"
        assert visit.page.locator(lines).count() == zangezur[0] > 0
        radios.nth(1).check()  # through Iran: the Meghri section disappears, Horadiz–Aghband stays
        assert visit.page.locator(lines).count() == zangezur[1] < zangezur[0]
        shown = visit.page.evaluate(  # the panel's section and the legend's entries follow the choice
            "Array.from(document.querySelectorAll('section.corridors-choice, .corridors-legend-choice'),"
            " e => !e.hidden)"
        )
        assert shown == [False, True, False] * 2
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
        labels = page.locator(".leaflet-tooltip").count()  # permanent ones: the place's and the crossing's
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_function(f"document.querySelectorAll('.leaflet-tooltip').length == {labels + 1}")
        texts = page.locator(".leaflet-tooltip:not(.corridors-crossing-label)").all_text_contents()
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


@pytest.fixture(scope="module")
def access_page(built):
    return (built / "nakhchivan_access.html").as_uri()  # the map with most controls: exclusive groups


@pytest.mark.parametrize("size", SIZES)
def test_layout_map_panel_and_controls_do_not_overlap(browser, access_page, size):
    visit = Visit(browser, access_page, SIZES[size])
    try:
        page, width, height = visit.page, *SIZES[size]["viewport"].values()
        fmap, panel = visit.box(f"#{visit.map}"), visit.box(".corridors-panel")
        if size == "phone":  # the map first, filling most of the screen, the panel below it
            assert fmap["y"] == 0 and fmap["width"] == width and fmap["height"] >= 0.75 * height
            assert panel["y"] >= fmap["y"] + fmap["height"] and panel["width"] == width
        else:  # side by side
            assert fmap["x"] + fmap["width"] <= panel["x"] and fmap["height"] == panel["height"] == height
        controls = visit.control_boxes()
        names = " ".join(name for name, _ in controls)
        assert "corridors-title" in names and "corridors-legend" in names  # inside the map, as its controls
        assert overlapping(controls) == []
        assert all(overlap(box, fmap) for _, box in controls)
        covered = sum(box["width"] * box["height"] for _, box in controls) / (fmap["width"] * fmap["height"])
        assert covered < {"phone": 0.25, "desktop": 0.35}[size]  # title and legend collapse on the phone
        # collapsed on the phone, open on the desktop; a tap opens them
        opened = page.evaluate(
            "Array.from(document.querySelectorAll('.corridors-title details, .corridors-legend details'), d => d.open)"
        )
        assert opened == [size == "desktop"] * 2
        if size == "phone":
            targets = page.evaluate(
                """id => Array.from(document.querySelectorAll(
                        ['a[href]', 'button', 'summary', 'label'].map(s => '#' + id + ' ' + s).join(', ')
                        + ', .corridors-panel button'))
                    .filter(e => e.offsetWidth > 0 && !e.closest('.leaflet-control-attribution'))
                    .map(e => [e.className || e.textContent.trim().slice(0, 30), e.offsetWidth, e.offsetHeight])""",
                visit.map,
            )
            assert len(targets) >= 8 and [t for t in targets if min(t[1:]) < 44] == []
            page.locator(".corridors-legend summary").tap()
            assert page.locator(".corridors-legend details").evaluate("d => d.open")
            assert page.locator(".corridors-legend li").first.is_visible()
        assert visit.errors == []
    finally:
        visit.close()


def test_pinch_zoom_is_on(browser, access_page):
    visit = Visit(browser, access_page, PHONE)
    try:
        meta = visit.page.locator("meta[name=viewport]").get_attribute("content")
        assert "user-scalable" not in meta and "maximum-scale" not in meta
        assert visit.page.evaluate(f"window['{visit.map}'].touchZoom.enabled()")
        assert visit.page.locator("html").get_attribute("lang") == "en"
        assert visit.page.title() == "Ways from mainland Azerbaijan to Nakhchivan"
    finally:
        visit.close()


def route_points(visit, offset_px=0):
    """Page coordinates of the middle vertex of each visible route line, moved ``offset_px`` down."""
    return visit.page.evaluate(
        """([id, offset]) => { const map = window[id], box = map.getContainer().getBoundingClientRect(), out = [];
            map.eachLayer(l => { if (l.options.className === 'corridors-hit') {
                const ll = l.getLatLngs().flat(), p = map.latLngToContainerPoint(ll[Math.floor(ll.length / 2)]);
                const hit = document.elementFromPoint(box.left + p.x, box.top + p.y + offset);
                if (p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height
                    && !hit.closest('.leaflet-control, .leaflet-corridors-crossings-pane'))  // not under a control
                    out.push([box.left + p.x, box.top + p.y + offset]); } });
            return out; }""",
        [visit.map, offset_px],
    )


def test_switching_base_layers_keeps_the_data_on_top(browser, access_page):
    visit = Visit(browser, access_page)
    try:
        page = visit.page
        visit.label_boxes()  # the view has come to rest
        bases = page.locator(".leaflet-control-layers-base input")
        assert bases.count() == 2
        bases.nth(1).evaluate("e => e.click()")  # OpenStreetMap (no tiles offline), then the vector basemap
        bases.nth(0).evaluate("e => e.click()")
        assert bases.nth(0).is_checked()
        on_top = page.evaluate(
            """points => points.map(([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-pane').className)""",
            route_points(visit),
        )
        assert on_top and all("corridors-" in c for c in on_top)
        order = page.evaluate(  # in the overlay pane, the countries are drawn first again, under everything
            """id => Array.from(document.querySelectorAll('#' + id + ' > .leaflet-map-pane .leaflet-overlay-pane path'),
                               p => p.getAttribute('fill') === '#f2efe9')""",
            visit.map,
        )
        assert sum(order) > 0 and order == sorted(order, reverse=True)
        assert [e for e in visit.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []  # OSM tiles, offline
    finally:
        visit.close()


def test_fullscreen_keeps_title_and_legend(browser, access_page):
    visit = Visit(browser, access_page)
    try:
        visit.page.locator(".leaflet-control-zoom-fullscreen").click()
        visit.page.wait_for_function("document.fullscreenElement !== null")
        inside = visit.page.evaluate(
            "['.corridors-title', '.corridors-legend']"
            ".map(s => document.fullscreenElement.contains(document.querySelector(s)))"
        )
        assert inside == [True, True]
        assert visit.page.locator(".corridors-title h1").is_visible()
    finally:
        visit.close()


@pytest.mark.parametrize("name", ["nakhchivan_access", "overview"])
def test_routes_hover_near_the_line_and_popups_give_segment_and_route(browser, built, analysis, name):
    visit = Visit(browser, (built / f"{name}.html").as_uri())
    try:
        page = visit.page
        visit.label_boxes()  # the view has come to rest
        points = route_points(visit, offset_px=5)  # 5 px beside the line, not on it
        assert len(points) >= 3
        for x, y in points:
            page.mouse.move(x, y)
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.leaflet-tooltip'))"
                ".some(t => !t.classList.contains('corridors-label'))"
            )
            page.mouse.move(1, 1)
        x, y = points[0]
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        match = re.search(r"This segment: ([\d,.]+) km, (\w+), ([a-z ]+) \(as of (\d{4}-\d{2}-\d{2})\)", text)
        assert match and "whole route" in text
        spec = next(s for s in analysis.specs if s.name == name)
        drawn = spec.groups[0].lines if spec.groups else analysis.routes  # a way draws its pieces of segments
        segment = drawn[drawn["name"] == text.splitlines()[0]]
        assert float(match[1].replace(",", "")) == pytest.approx(segment["length_km"].iloc[0], abs=0.05)
        assert match[3] == segment["status"].iloc[0].replace("_", " ")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "none"  # no focus rectangle after a click
        stops = []
        for _ in range(12):  # the keyboard reaches the controls, never a bare shape
            page.keyboard.press("Tab")
            stops.append(
                page.evaluate("[document.activeElement.tagName, getComputedStyle(document.activeElement).outlineStyle]")
            )
        assert "PATH" not in {tag for tag, _ in stops} and {"SUMMARY", "A"} <= {tag for tag, _ in stops}
        assert all(outline != "none" for tag, outline in stops if tag in ("SUMMARY", "A", "BUTTON"))  # :focus-visible
    finally:
        visit.close()


@pytest.mark.parametrize("size", SIZES)
def test_crossings_are_labelled_and_listed_as_buttons(browser, access_page, size):
    visit = Visit(browser, access_page, SIZES[size])
    try:
        page = visit.page
        assert page.locator(".corridors-crossing-label").count() >= 1
        buttons = page.locator(".corridors-crossings button:visible")
        assert buttons.count() == page.locator(f"#{visit.map} .leaflet-corridors-crossings-pane path").count() > 0
        first = buttons.first
        first.focus()
        page.keyboard.press("Enter")  # by keyboard
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert popup.inner_text() == first.inner_text()
        assert page.evaluate("document.activeElement.classList.contains('leaflet-popup-close-button')")
        page.keyboard.press("Enter")  # closes the popup, focus back on the list
        assert page.evaluate("document.activeElement.hasAttribute('data-crossing')")
        if size == "phone":
            second = buttons.nth(1).inner_text()
            buttons.nth(1).tap()  # by touch
            # Leaflet fades a closed popup out over 200 ms: wait until the one just closed has gone.
            page.wait_for_function("document.querySelectorAll('.leaflet-popup-content').length === 1")
            assert popup.inner_text() == second
        # through Iran: the list follows the choice
        page.locator(".leaflet-control-layers-group input[type=radio]").nth(1).evaluate("e => e.click()")
        assert "Aras corridor" in page.locator(".corridors-crossings button:visible").first.inner_text()
        assert visit.errors == []
    finally:
        visit.close()


def test_cdn_build_offline_says_what_to_do(browser, tmp_path):
    out = tmp_path / "cdn"
    build_maps(out, ["astara_rasht"])
    visit = Visit(browser, (out / "astara_rasht.html").as_uri(), ready=False)
    try:
        message = visit.page.locator(".folium-map .corridors-offline")
        assert message.is_visible() and "--self-contained" in message.inner_text()
    finally:
        visit.close()


def test_png_is_stable_and_shows_the_whole_panel(tmp_path):
    # Two builds by the CLI, each in its own process (Playwright's sync API runs one loop per process).
    pngs = []
    for out in (tmp_path / "a", tmp_path / "b"):
        command = [sys.executable, "-m", "corridors", "build", "astara_rasht", "--png", "--quiet", "--out", str(out)]
        subprocess.run(command, check=True, capture_output=True)
        pngs.append((out / "astara_rasht.png").read_bytes())
    assert pngs[0] == pngs[1]
    image = Image.open(io.BytesIO(pngs[0])).convert("L")
    assert image.width == 1280 and image.height >= 800
    # The panel (right third) is not cut: its last rows of pixels are blank page, below its last line.
    assert image.crop((int(0.7 * image.width), image.height - 10, image.width, image.height)).getextrema() == (255, 255)
