"""Rendering: analysed layers in, ``folium.Map`` out. Computes no metric itself."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

__all__ = ["MapSpec", "render_map"]

# Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
ROUTE_COLOURS = {
    "zangezur": "#D55E00",
    "aras_corridor": "#009E73",
    "kalaleh_jolfa": "#009E73",
    "astara_rasht": "#0072B2",
    "qazvin_rasht": "#56B4E9",
    "instc_west": "#CC79A7",
    "instc_trans_caspian": "#E69F00",
    "instc_east": "#F0E442",
    "baku_alat": "#555555",
    "alat_horadiz": "#555555",
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
_PAGE_CSS = f"""
<style>
.corridors-panel {{position:absolute;top:0;right:0;width:{100 - MAP_WIDTH_PCT}%;height:100%;overflow:auto;
  box-sizing:border-box;padding:12px 14px;font:13px/1.4 sans-serif;border-left:1px solid #999;background:#fff}}
.corridors-panel h2 {{font-size:16px;margin:0 0 6px}}
.corridors-panel table {{border-collapse:collapse;width:100%;font-size:12px;margin:8px 0}}
.corridors-panel th, .corridors-panel td {{border:1px solid #ccc;padding:3px 4px;text-align:left;vertical-align:top}}
.corridors-panel td.num {{text-align:right}}
.corridors-panel caption {{text-align:left;font-weight:bold;padding-bottom:4px}}
.leaflet-tooltip.corridors-label {{background:transparent;border:0;box-shadow:none;padding:0 4px;font-weight:bold;
  color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff}}
.leaflet-tooltip.corridors-label::before {{display:none}}
@media (max-width: 800px) {{
  .folium-map {{width:100% !important;height:65% !important}}
  .corridors-panel {{position:static;width:100%;height:auto;border-left:0}}
}}
</style>
"""


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


HISTORIC_COLOURS = {"north": "#0072B2", "south": "#E69F00"}


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


def _label(route_id: str) -> str:
    return ROUTE_LABELS.get(route_id, route_id)


def _add_routes(group: Any, routes: gpd.GeoDataFrame, metrics: pd.DataFrame) -> None:
    import folium

    by_id = metrics.set_index("route_id")
    for row in routes.itertuples(index=False):
        m = by_id.loc[row.route_id]
        km = ", ".join(f"{_text(str(k))} {v:.1f} km" for k, v in m["km_by_country"].items())
        popup = (
            f"<b>{_text(str(row.name))}</b><br>{_text(row.status.replace('_', ' '))}, {_text(row.mode)}"
            f"<br>{_text(_label(row.route_id))}: {m['length_km']:.1f} km ({km})"
            f"<br>{_text(m['sequence_text'])}<br><small>Sources: {_text(str(row.sources))}</small>"
        )
        folium.PolyLine(
            [(y, x) for x, y in row.geometry.coords],
            color=ROUTE_COLOURS.get(row.route_id, "#333333"),
            weight=4,
            dash_array=DASHES.get(row.status),
            tooltip=_text(f"{row.name} ({row.status.replace('_', ' ')})"),
            popup=folium.Popup(popup, max_width=360),
        ).add_to(group)


def _add_crossings(group: Any, crossings: pd.DataFrame) -> None:
    import folium

    for row in crossings.to_dict("records"):
        text = f"{row['from']} → {row['to']} at km {row['km_along']:.1f}"
        if isinstance(row["arrives_in"], str):
            text += f" (into {row['arrives_in']})"
        if isinstance(row["border_post"], str) and row["border_post_km"] <= NEAR_POST_KM:
            text += f", {row['border_post']}"
        folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=6,
            color="#000000",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1,
            tooltip=_text(text),
        ).add_to(group)


NEAR_POST_KM = 5.0  # a crossing names the border post within this distance


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


def _add_controls(fmap: folium.Map, countries: gpd.GeoDataFrame) -> None:
    from folium.plugins import Fullscreen, MeasureControl

    MeasureControl(primary_length_unit="kilometers").add_to(fmap)
    Fullscreen().add_to(fmap)
    VectorMiniMap(countries).add_to(fmap)
    aria = (
        "<script>document.addEventListener('DOMContentLoaded',function(){"
        "var names={'leaflet-control-layers':'Layers','leaflet-control-zoom':'Zoom',"
        "'leaflet-control-measure':'Measure distances','leaflet-control-scale':'Scale bar',"
        "'leaflet-control-minimap':'Overview map','leaflet-control-attribution':'Attribution'};"
        "Object.keys(names).forEach(function(c){document.querySelectorAll('.'+c).forEach(function(e){"
        "e.setAttribute('aria-label',names[c]);});});});</script>"
    )
    fmap.get_root().html.add_child(_element(aria))


def _element(markup: str) -> Any:
    import folium

    return folium.Element(markup)


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


def _add_legend(fmap: folium.Map, routes: gpd.GeoDataFrame, historic: bool) -> None:
    seen = dict.fromkeys(routes["route_id"])
    swatch = '<span style="border-top:4px solid {};display:inline-block;width:28px"></span>'
    items = "".join(f"<li>{swatch.format(ROUTE_COLOURS.get(r, '#333'))} {_text(_label(r))}</li>" for r in seen)
    styles = "".join(
        '<li><svg width="28" height="6" aria-hidden="true"><line x1="0" y1="3" x2="28" y2="3" stroke="#333" '
        'stroke-width="3"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + f"/></svg> {status.replace('_', ' ')}</li>"
        for status, dash in DASHES.items()
        if status in set(routes["status"])
    )
    area = '<span style="background:{};opacity:.5;border:1px {} {};display:inline-block;width:26px;height:10px"></span>'
    historic_items = (
        "<b>Historic Azerbaijan</b><ul style='list-style:none;padding:0;margin:0'>"
        f"<li>{area.format(HISTORIC_COLOURS['north'], 'solid', HISTORIC_COLOURS['north'])} north of the Aras</li>"
        f"<li>{area.format(HISTORIC_COLOURS['south'], 'solid', HISTORIC_COLOURS['south'])} south (Iran)</li>"
        f"<li>{area.format('#fff', 'dashed', HISTORIC_COLOURS['south'])} with Zanjan (variant)</li></ul>"
    )
    legend = (
        '<div class="corridors-legend" role="region" aria-label="Legend" style="position:absolute;bottom:64px;'
        'left:10px;z-index:1000;background:white;padding:6px 10px;font:12px sans-serif;border:1px solid #999">'
        f"<b>Routes</b><ul style='list-style:none;padding:0;margin:0'>{items}</ul>"
        f"<b>Status</b><ul style='list-style:none;padding:0;margin:0'>{styles}</ul>"
        + (historic_items if historic else "")
        + "<span>○ border crossing &nbsp; ● place</span></div>"
    )
    fmap.get_root().html.add_child(_element(legend))


def _add_title(fmap: folium.Map, spec: MapSpec) -> None:
    room = 380 if spec.groups else 140  # leave the controls on the right visible
    block = (
        '<div class="corridors-title" style="position:absolute;top:10px;left:60px;z-index:1000;background:white;'
        f'padding:6px 10px;font:13px sans-serif;border:1px solid #999;max-width:calc({MAP_WIDTH_PCT}% - {room}px)">'
        f"<h1 style='font-size:16px;margin:0'>{_text(spec.title)}</h1>"
        f"<p style='margin:4px 0 0'>{_text(spec.caption)}</p>"
        f"<p style='margin:2px 0 0;font-size:10px'>{_text(ATTRIBUTION)}</p></div>"
    )
    fmap.get_root().html.add_child(_element(block))


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
