"""Rendering: analysed layers in, ``folium.Map`` out. Computes no metric itself."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from branca.element import Figure

__all__ = ["MapSpec", "render_map", "route_colours"]

# Dark enough for 3:1 contrast on the land fill; every two colours at least ΔE 13 apart in normal vision and
# simulated deuteranopia and protanopia (tests/test_palette.py). Routes of one group share their colour.
ROUTE_COLOURS = {
    "zangezur": "#D04840",
    "aras_corridor": "#2878B8",
    "kalaleh_jolfa": "#2878B8",
    "astara_rasht": "#804800",
    "qazvin_rasht": "#603898",
    "instc_west": "#A03888",
    "instc_trans_caspian": "#288880",
    "instc_east": "#808008",
    "baku_alat": "#585858",
    "alat_horadiz": "#585858",
    "baku_tbilisi_kars": "#000000",
}
# What a reader sees instead of the route_id (legend, summary table); unknown ids show as they are.
ROUTE_LABELS = {
    "zangezur": "Zangezur route (through Meghri)",
    "aras_corridor": "Aras corridor (Iranian bypass)",
    "kalaleh_jolfa": "Kalaleh–Jolfa highway",
    "astara_rasht": "Astara–Rasht railway",
    "qazvin_rasht": "Qazvin–Rasht railway",
    "instc_west": "INSTC western route",
    "instc_trans_caspian": "INSTC trans-Caspian route",
    "instc_east": "INSTC eastern route",
    "baku_alat": "Baku–Alat railway",
    "alat_horadiz": "Alat–Horadiz railway",
    "baku_tbilisi_kars": "Baku–Tbilisi–Kars railway",
}
DASHES = {"operational": None, "under_construction": "10 6", "planned": "2 6", "proposed": "1 8", "defunct": "4 4"}
ATTRIBUTION = (
    "Borders © OpenStreetMap contributors (ODbL); Natural Earth (public domain); "
    "places GeoNames (CC BY 4.0); sea lanes: searoute"
)


SHORT_ATTRIBUTION = "© OpenStreetMap contributors (ODbL) · Natural Earth (PD) · GeoNames (CC BY 4.0) · searoute"


_TEMPLATE_SAFE = str.maketrans({"{": "&#123;", "}": "&#125;", "%": "&#37;", "`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _text(value: object) -> str:
    """Escape text from data for HTML, for folium's Jinja templates and for JavaScript template literals."""
    return html.escape(str(value)).translate(_TEMPLATE_SAFE)


@dataclass(frozen=True)
class MapSpec:
    """What one map shows: its routes, extent, title and caption (numbers come from the analysis)."""

    name: str
    title: str
    caption: str
    route_ids: tuple[str, ...]
    bounds: tuple[float, float, float, float]  # west, south, east, north (WGS84 degrees)
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # exclusive layer groups: (label, route ids)
    labels: tuple[str, ...] = ()  # ids of places labelled on the map
    historic: bool = False  # draw the two parts of historic Azerbaijan and tabulate their shares
    # Alternatives between two places: (countries in order, km, extra km, crossings), shortest first.
    comparison: tuple[tuple[str, float, float, int], ...] = ()
    comparison_title: str = ""

    def visible_route_ids(self) -> tuple[str, ...]:
        """Routes drawn when the page opens: the first exclusive group, else every route."""
        return self.groups[0][1] if self.groups else self.route_ids


def render_map(
    spec: MapSpec,
    *,
    countries: gpd.GeoDataFrame,
    world: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame,
    metrics: pd.DataFrame,
    crossings: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    historic: gpd.GeoDataFrame,
    split: pd.DataFrame,
) -> folium.Map:
    """Draw one map: offline vector basemap, routes by status, crossings, legend, caption and summary.

    All inputs come from the layers and the analysis (``metrics``: one row per route as from
    :func:`corridors.metrics.route_metrics`; ``crossings`` as from ``crossings_from_routes``;
    ``split`` as from :func:`corridors.historic.historic_split`; ``countries``, ``regions`` and
    ``historic`` already prepared for display, ``world`` the whole countries layer for the
    overview map). Every text taken from data is escaped.
    """
    import folium
    from folium.plugins import GroupedLayerControl

    west, south, east, north = spec.bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        width=f"{MAP_WIDTH_PCT}%",
        control_scale=True,
    )
    # Only Leaflet and jQuery (folium's popups use it): no Bootstrap or icon fonts to fetch.
    fmap.default_js = [js for js in fmap.default_js if js[0] in ("leaflet", "jquery")]
    fmap.default_css = [css for css in fmap.default_css if css[0] == "leaflet_css"]
    fmap.fit_bounds([[south, west], [north, east]])
    _add_basemap(fmap, countries, regions)
    if spec.historic and not historic.empty:
        _add_historic(fmap, historic, split)
    chosen = routes[routes["route_id"].isin(spec.route_ids)]
    groups = spec.groups or (("Routes", spec.route_ids),)
    layers = []
    for i, (label, ids) in enumerate(groups):
        group = folium.FeatureGroup(name=_text(label), show=i == 0 or not spec.groups)
        _add_routes(group, chosen[chosen["route_id"].isin(ids)], metrics)
        _add_crossings(group, crossings[crossings["route_id"].isin(ids)])
        group.add_to(fmap)
        layers.append(group)
    _add_labels(fmap, places, spec.labels)
    folium.LayerControl(collapsed=True).add_to(fmap)  # an icon: the title keeps its room
    if spec.groups:
        control = GroupedLayerControl({"Show one way": layers}, exclusive_groups=True, collapsed=False)
        control.layers_untoggle = [g.get_name() for g in layers[1:]]  # a list in group order: deterministic
        control.add_to(fmap)
    _add_controls(fmap, world)
    _add_legend(fmap, chosen, spec.historic)
    _add_title(fmap, spec)
    _add_summary(fmap, spec, metrics, split if spec.historic else None)
    return fmap


MAP_WIDTH_PCT = 68  # the rest of the page holds the text summary and the metrics table
_PAGE_CSS = ""  # the page CSS is corridors/static/corridors.css, added by _add_controls


def _add_basemap(fmap: folium.Map, countries: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    import folium

    land = countries[["iso_a2", "name", "geometry"]].copy()
    land["name"] = land["name"].map(_text)
    folium.GeoJson(
        land,
        name="Offline basemap (countries)",
        style_function=lambda _: {"fillColor": "#f2efe9", "color": "#7a7a7a", "weight": 1, "fillOpacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        overlay=False,
        attribution=html.escape(SHORT_ATTRIBUTION),  # the attribution line at the bottom of the map
    ).add_to(fmap)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles (online)", show=False, overlay=False).add_to(fmap)
    if regions.empty:  # outside this map
        return
    named = regions[["name", "geometry"]].copy()
    named["name"] = named["name"].map(_text)
    folium.GeoJson(
        named,
        name="Nakhchivan (exclave)",
        style_function=lambda _: {"fillColor": "#fde0c5", "color": "#D55E00", "weight": 1.5, "fillOpacity": 0.5},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)


HISTORIC_COLOURS = {"north": "#66B877", "south": "#4AA8C0"}  # hues no route uses (tests/test_palette.py)


def _add_historic(fmap: folium.Map, historic: gpd.GeoDataFrame, split: pd.DataFrame) -> None:
    import folium

    shares = split.set_index(["definition", "part"])
    parts = historic[["name", "part", "definition", "population", "population_year", "geometry"]].copy()
    parts["label"] = [
        _text(
            f"{r.name}: {r.population:,} people ({r.population_year}). "
            f"{'Northern part (Republic of Azerbaijan)' if r.part == 'north' else 'Southern part (Iran)'}: "
            f"{shares.loc[(r.definition, r.part), 'area_share']:.0%} of the area, "
            f"{shares.loc[(r.definition, r.part), 'population_share']:.0%} of the population"
            + (" (with Zanjan)" if r.definition != "core" else "")
        )
        for r in parts.itertuples(index=False)
    ]
    folium.GeoJson(
        parts[["label", "part", "definition", "geometry"]],
        name="Historic Azerbaijan, divided in 1828",
        style_function=lambda f: {
            "fillColor": HISTORIC_COLOURS[f["properties"]["part"]],
            "color": HISTORIC_COLOURS[f["properties"]["part"]],
            "weight": 1.5,
            "fillOpacity": 0.25 if f["properties"]["definition"] == "core" else 0.08,
            "dashArray": None if f["properties"]["definition"] == "core" else "4 4",
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)


def route_colours(route_ids: Iterable[str]) -> dict[str, str]:
    """The colour (``#rrggbb``) each route is drawn in; routes without one are dark grey."""
    return {route_id: ROUTE_COLOURS.get(route_id, "#333333") for route_id in route_ids}


def _label(route_id: str) -> str:
    return ROUTE_LABELS.get(route_id, route_id)


ROUTE_PANE, HIT_PANE, CROSSING_PANE = "corridors-routes", "corridors-hit", "corridors-crossings"  # see corridors.js
ROUTE_WEIGHT_PX = 4
HIT_WEIGHT_PX = 16  # an invisible line this wide under the pointer opens a route's tooltip and popup


def _lines(geometry: Any) -> list[list[tuple[float, float]]]:
    """Leaflet's ``[[lat, lon], …]`` of each part of a LineString or MultiLineString."""
    parts = getattr(geometry, "geoms", [geometry])
    return [[(y, x) for x, y, *_ in part.coords] for part in parts if not part.is_empty]


def _value(row: dict[str, Any], key: str) -> str | None:
    """A text property of a route feature, or None when absent or null."""
    value = row.get(key)
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _segment_text(row: dict[str, Any]) -> str:
    """The segment's own facts: length (from the analysis), mode, status with its date, opening dates."""
    status = (_value(row, "status") or "status unknown").replace("_", " ")
    facts = [f"{row['length_km']:,.1f} km"] if isinstance(row.get("length_km"), float) else []
    facts += [_value(row, "mode") or "mode unknown", status]
    as_of = _value(row, "status_as_of") or _value(row, "retrieved")
    text = ", ".join(_text(f) for f in facts) + (f" (as of {_text(as_of)})" if as_of else "")
    for key, label in (
        ("construction_started", "construction started"),
        ("opened", "opened"),
        ("expected", "expected"),
    ):
        if _value(row, key):
            text += f"; {label} {_text(_value(row, key))}"
    return text


def _route_popup(row: dict[str, Any], route: pd.Series | None) -> str:
    name = _value(row, "name") or _value(row, "route_name") or row["route_id"]
    popup = f"<b>{_text(name)}</b><br>This segment: {_segment_text(row)}"
    if route is not None:
        km = ", ".join(f"{_text(str(k))} {v:,.1f} km" for k, v in route["km_by_country"].items())
        popup += (
            f"<hr><b>{_text(_value(row, 'route_name') or _label(row['route_id']))}</b>, whole route: "
            f"{route['length_km']:,.1f} km ({km}); {route['crossings']} border crossings"
            f"<br>{_text(route['sequence_text'])}"
        )
    sources = _value(row, "status_source") or _value(row, "sources")
    return popup + (f"<br><small>Sources: {_text(sources)}</small>" if sources else "")


def _add_routes(group: Any, routes: gpd.GeoDataFrame, metrics: pd.DataFrame) -> None:
    """Each segment twice: the drawn line (not interactive), and a wide invisible line above it that carries
    the tooltip and the popup, so that thin and dotted lines are easy to hover and tap."""
    import folium

    by_id = metrics.set_index("route_id")
    for row in routes.to_dict("records"):
        lines = _lines(row["geometry"])
        if not lines:
            continue
        colour = route_colours([row["route_id"]])[row["route_id"]]
        drawn = folium.PolyLine(lines, color=colour, weight=ROUTE_WEIGHT_PX, dash_array=DASHES.get(row.get("status")))
        drawn.options.update(interactive=False, pane=ROUTE_PANE)
        drawn.add_to(group)
        route = by_id.loc[row["route_id"]] if row["route_id"] in by_id.index else None
        name = _value(row, "name") or _label(row["route_id"])
        status = (_value(row, "status") or "status unknown").replace("_", " ")
        hit = folium.PolyLine(
            lines,
            color=colour,
            weight=HIT_WEIGHT_PX,
            opacity=0,
            tooltip=_text(f"{name} ({status}): {_label(row['route_id'])}"),
            popup=folium.Popup(_route_popup(row, route), max_width=360),
        )
        hit.options.update(pane=HIT_PANE, className="corridors-hit")
        hit.add_to(group)


def _crossing_key(row: dict[str, Any]) -> str:
    return f"{row['from']}-{row['to']}-{row['lat']:.3f}-{row['lon']:.3f}"


def _crossing_texts(row: dict[str, Any]) -> tuple[str, str]:
    """A short label for the map and the full description (escaped)."""
    near = isinstance(row["border_post"], str) and row["border_post_km"] <= NEAR_POST_KM
    text = f"{row['from']} → {row['to']} at km {row['km_along']:.1f} of {_label(row['route_id'])}"
    if isinstance(row["arrives_in"], str):
        text += f" (into {row['arrives_in']})"
    if near:
        text += f", {row['border_post']}"
    if SEA in (row["from"], row["to"]):  # a port call: the port's country
        label = f"port ({row['to'] if row['from'] == SEA else row['from']})"
    else:
        label = row["border_post"].split(" (")[0] if near else f"{row['from']}–{row['to']}"
    return _text(label), _text(text)


def _add_crossings(group: Any, crossings: pd.DataFrame) -> None:
    """Crossings labelled on the map (small permanent labels, a popup each), and listed for the panel:
    a button per crossing that shows it on the map (corridors.js moves the list into the panel)."""
    import folium

    items, seen = [], set()
    for row in crossings.to_dict("records"):
        key = _crossing_key(row)
        if key in seen:  # two routes of one group through the same crossing: one marker
            continue
        seen.add(key)
        label, text = _crossing_texts(row)
        crossing_id = f"crossing-{group.get_name()}-{len(seen)}"
        marker = folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=6,
            color="#000000",
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1,
            popup=folium.Popup(text, max_width=300),
            tooltip=folium.Tooltip(
                f'<span data-priority="0">{label}</span>',
                permanent=True,
                direction="right",
                class_name="corridors-label corridors-crossing-label",
            ),
        )
        marker.options.update(pane=CROSSING_PANE, crossingId=crossing_id)
        marker.add_to(group)
        items.append(f'<li data-key="{key}"><button type="button" data-crossing="{crossing_id}">{text}</button></li>')
    if items:
        group.add_child(
            _page_markup(
                f'<ul class="corridors-crossing-items corridors-crossing-list" data-group="{group.get_name()}" '
                f"hidden>{''.join(items)}</ul>"
            )
        )


NEAR_POST_KM = 5.0  # a crossing names the border post within this distance
SEA = "sea"  # the country code of the sea in crossings


def _add_labels(fmap: folium.Map, places: gpd.GeoDataFrame, ids: tuple[str, ...]) -> None:
    import folium

    by_id = places.set_index("id")
    for place_id in ids:
        place = by_id.loc[place_id]
        folium.CircleMarker(
            [place.geometry.y, place.geometry.x],
            radius=3,
            color="#222222",
            fill=True,
            fill_opacity=1,
            tooltip=folium.Tooltip(
                _text(place["name"]), permanent=True, direction="right", class_name="corridors-label"
            ),
        ).add_to(fmap)


def _static(name: str) -> str:
    """A file of corridors/static (shipped in the wheel)."""
    from importlib.resources import files

    return files("corridors").joinpath("static", name).read_text(encoding="utf-8")


def _add_controls(fmap: folium.Map, countries: gpd.GeoDataFrame) -> None:
    """Measure, fullscreen and overview controls, and the page's own CSS and script (panes, layout, labels)."""
    from folium.plugins import Fullscreen, MeasureControl

    MeasureControl(primary_length_unit="kilometers", position="topright").add_to(fmap)
    Fullscreen(
        position="topright", title="Full screen", title_cancel="Leave full screen", force_separate_button=True
    ).add_to(fmap)
    VectorMiniMap(countries).add_to(fmap)
    fmap.options["touchZoom"] = True  # pinch-zoom on phones (Leaflet's default, said explicitly)
    root = _figure(fmap)
    root.html.add_child(_element(f"<style>{_static('corridors.css')}</style>"), name="corridors_css")
    # In the body: after Leaflet (in the head), before folium's map script (after the body).
    root.html.add_child(_element(f"<script>{_static('corridors.js')}</script>"), name="corridors_js")
    _PageSetup().add_to(fmap)


def _figure(fmap: Any) -> Figure:
    """The page a map is drawn on."""
    from branca.element import Figure

    root = fmap.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{fmap.get_name()} is not on a page")
    return root


def _element(markup: str) -> Any:
    import folium

    return folium.Element(markup)


VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'  # pinch-zoom stays on


def _PageSetup() -> Any:  # noqa: N802 - a folium element factory
    """Replaces folium's viewport meta (which turns off zooming the page) when the map is rendered."""
    import re

    from branca.element import Element, MacroElement

    class _Setup(MacroElement):
        def render(self, **kwargs: Any) -> Any:
            header = _figure(self).header
            fmap = self._parent
            assert fmap is not None, "added to a map"
            rendered = header._children[fmap.get_name()].render()
            fixed = re.sub(r'<meta name="viewport"[^>]*>', VIEWPORT, rendered, count=1)
            header._children[fmap.get_name()] = _Raw(fixed)
            return super().render(**kwargs)

    class _Raw(Element):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def render(self, **kwargs: Any) -> str:
            return self.text

    return _Setup()


def _page_markup(markup: str) -> Any:
    """An element that writes ``markup`` into the page body when the map is rendered, for elements whose
    own parent is not yet on the map."""
    from branca.element import MacroElement

    class _Markup(MacroElement):
        def render(self, **kwargs: Any) -> Any:
            _figure(self).html.add_child(_element(markup))
            return super().render(**kwargs)

    return _Markup()


MINIMAP_TOLERANCE_DEG = 0.1  # the overview map only needs outlines at ~10 km
MINIMAP_MIN_AREA_DEG2 = 0.05  # and no islands smaller than ~500 km²


def VectorMiniMap(countries: gpd.GeoDataFrame) -> Any:  # noqa: N802 - a folium element factory
    """An overview map drawn from the countries layer, so that it works without tiles or network."""
    import shapely
    from branca.element import MacroElement
    from folium.elements import JSCSSMixin
    from folium.plugins import MiniMap
    from folium.template import Template

    parts = shapely.get_parts(countries.geometry.values)
    parts = parts[shapely.area(parts) >= MINIMAP_MIN_AREA_DEG2]
    outlines = shapely.set_precision(shapely.simplify(parts, MINIMAP_TOLERANCE_DEG), 0.01)
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
            for g in outlines
            if not shapely.is_empty(g)
        ],
    }

    class _MiniMap(JSCSSMixin, MacroElement):
        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new L.Control.MiniMap(
                L.geoJson({{ this.data|tojson }}, {
                    interactive: false,
                    style: function () { return {color: "#7a7a7a", weight: 1, fillColor: "#f2efe9", fillOpacity: 1}; }
                }),
                {position: "bottomright", width: 150, height: 150, zoomLevelOffset: -4, toggleDisplay: true}
            );
            {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
            {% endmacro %}
            """
        )
        default_js = MiniMap.default_js
        default_css = MiniMap.default_css

        def __init__(self) -> None:
            super().__init__()
            self._name = "MiniMap"
            self.data = data

    return _MiniMap()


def _swatch(colour: str, dash: str | None, width: int = 4) -> str:
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg class="corridors-swatch" width="28" height="8" aria-hidden="true"><line x1="1" y1="4" x2="27" y2="4" '
        f'stroke="{colour}" stroke-width="{width}"{dashes}/></svg>'
    )


def _add_legend(fmap: folium.Map, routes: gpd.GeoDataFrame, historic: bool) -> None:
    """The legend: a Leaflet control (moved into the map by corridors.js), collapsible, closed on phones."""
    seen = dict.fromkeys(routes["route_id"])
    items = "".join(f"<li>{_swatch(ROUTE_COLOURS.get(r, '#333333'), None)} {_text(_label(r))}</li>" for r in seen)
    statuses = set(routes["status"]) if "status" in routes else set()
    styles = "".join(
        f"<li>{_swatch('#333333', dash, 3)} {status.replace('_', ' ')}</li>"
        for status, dash in DASHES.items()
        if status in statuses
    )
    dates = [d for d in (routes[c] for c in ("status_as_of", "retrieved") if c in routes)]
    as_of = max((str(v) for v in dates[0].dropna()), default="") if dates else ""
    area = '<span style="background:{};opacity:.5;border:1px {} {};display:inline-block;width:26px;height:10px"></span>'
    historic_items = (
        "<b>Historic Azerbaijan</b><ul>"
        f"<li>{area.format(HISTORIC_COLOURS['north'], 'solid', HISTORIC_COLOURS['north'])} north of the Aras</li>"
        f"<li>{area.format(HISTORIC_COLOURS['south'], 'solid', HISTORIC_COLOURS['south'])} south (Iran)</li>"
        f"<li>{area.format('#fff', 'dashed', HISTORIC_COLOURS['south'])} with Zanjan (variant)</li></ul>"
    )
    legend = (
        '<div class="corridors-legend" role="region" aria-label="Legend"><details open><summary>Legend</summary>'
        f"<div class='corridors-body'><b>Routes</b><ul>{items}</ul>"
        f"<b>Status{f' as of {_text(as_of)}' if as_of else ''}</b><ul>{styles}</ul>"
        + (historic_items if historic else "")
        + "<ul><li><svg class='corridors-swatch' width='28' height='14' aria-hidden='true'><circle cx='14' cy='7' "
        "r='5' fill='#fff' stroke='#000' stroke-width='2'/></svg> border crossing</li>"
        "<li><svg class='corridors-swatch' width='28' height='14' aria-hidden='true'><circle cx='14' cy='7' r='3' "
        "fill='#222'/></svg> place</li></ul></div></details></div>"
    )
    _figure(fmap).html.add_child(_element(legend))


def _add_title(fmap: folium.Map, spec: MapSpec) -> None:
    """Title and caption: a Leaflet control (collapsed to its title on phones); the page's title and language."""
    block = (
        f"<div class='corridors-title'><details open><summary><h1>{_text(spec.title)}</h1></summary>"
        f"<div class='corridors-body'><p>{_text(spec.caption)}</p>"
        f"<p class='corridors-attribution'>{_text(ATTRIBUTION)}</p></div></details></div>"
    )
    root = _figure(fmap)
    root.html.add_child(_element(block))
    root.header.add_child(_element(f"<title>{_text(spec.title)}</title>"), name="corridors_title")
    root._template = _page_template()  # folium's page, with the language said


def _page_template() -> Any:
    from folium.template import Template

    return Template(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        "{{ this.header.render(**kwargs) }}\n</head>\n<body>\n{{ this.html.render(**kwargs) }}\n</body>\n"
        "<script>\n{{ this.script.render(**kwargs) }}\n</script>\n</html>\n"
    )


def _table(caption: str, columns: tuple[str, ...], rows: list[str]) -> str:
    """An accessible HTML table: escaped caption and column headers, rows already formatted."""
    head = "".join(f"<th scope='col'>{_text(c)}</th>" for c in columns)
    body = "".join(rows)
    return f"<table><caption>{_text(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _split_table(split: pd.DataFrame) -> str:
    rows = [
        f"<tr><th scope='row'>{_text(r['definition'])}, {_text(r['part'])}</th>"
        f"<td class='num'>{r['area_km2']:,.0f}</td><td class='num'>{r['population']:,}</td>"
        f"<td class='num'>{r['area_share']:.1%}</td><td class='num'>{r['population_share']:.1%}</td></tr>"
        for r in split.to_dict("records")
    ]
    columns = ("Definition, part", "Area km²", "Population", "Area share", "Population share")
    return _table("Historic Azerbaijan: north (Republic of Azerbaijan) and south (Iran)", columns, rows)


def _comparison_table(spec: MapSpec) -> str:
    if not spec.comparison:
        return ""
    rows = [
        f"<tr><th scope='row'>{_text(sequence)}</th><td class='num'>{km:,.1f}</td>"
        f"<td class='num'>+{extra:,.1f}</td><td class='num'>{crossings}</td></tr>"
        for sequence, km, extra, crossings in spec.comparison
    ]
    return _table(spec.comparison_title, ("Countries in order", "km", "Extra km", "Border crossings"), rows)


ROUTE_COLUMNS = ("Route", "Length km", "km by country", "km by status", "Border crossings", "Countries in order")


def _add_summary(fmap: folium.Map, spec: MapSpec, metrics: pd.DataFrame, split: pd.DataFrame | None) -> None:
    """The text a screen reader or a reader without JavaScript gets: summary and metrics table."""
    rows = []
    for m in metrics[metrics["route_id"].isin(spec.route_ids)].to_dict("records"):
        by_country = ", ".join(f"{_text(k)} {v:,.1f}" for k, v in m["km_by_country"].items())
        by_status = ", ".join(f"{_text(k.replace('_', ' '))} {v:,.1f}" for k, v in m["km_by_status"].items())
        rows.append(
            f"<tr><th scope='row'>{_text(_label(m['route_id']))}</th><td class='num'>{m['length_km']:,.1f}</td>"
            f"<td>{by_country}</td><td>{by_status}</td><td class='num'>{m['crossings']}</td>"
            f"<td>{_text(m['sequence_text'])}</td></tr>"
        )
    panel = (
        f"{_PAGE_CSS}<aside class='corridors-panel' aria-label='Summary and metrics'>"
        f"<h2>{_text(spec.title)}</h2><p>{_text(spec.caption)}</p>"
        f"{_table('Route metrics (geodesic kilometres on the WGS84 ellipsoid)', ROUTE_COLUMNS, rows)}"
        f"{_split_table(split) if split is not None else ''}{_comparison_table(spec)}"
        f"<p style='font-size:11px'>Sources: {_text(ATTRIBUTION)}</p></aside>"
    )
    fmap.get_root().html.add_child(_element(panel))
