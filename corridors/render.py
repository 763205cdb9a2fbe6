"""Rendering: analysed layers in, ``folium.Map`` out. Computes no metric itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from branca.element import Element

from ._html import text as _text
from .catalogue import load_catalogue
from .display import Basemap  # noqa: F401  (MapLayers field type)
from .render_layers import HISTORIC_COLOURS, VectorMiniMap, add_basemap, add_labels, figure_of
from .specs import ChoiceSpec, MapSpec

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

__all__ = ["MapLayers", "MapSpec", "VectorMiniMap", "render_map", "route_display_names"]

# Route colours come from the catalogue (corridors/catalogue.toml); a user's own route is dark grey.
ROUTE_COLOURS = {route_id: style.colour for route_id, style in load_catalogue().routes.items()}
DASHES = {"operational": None, "under_construction": "10 6", "planned": "2 6", "proposed": "1 8", "defunct": "4 4"}
ATTRIBUTION = (
    "Borders © OpenStreetMap contributors (ODbL); Natural Earth (public domain); "
    "places GeoNames (CC BY 4.0); sea lanes: searoute"
)


def route_display_names(routes: pd.DataFrame) -> dict[str, str]:
    """What a reader sees for each route id: the data's ``route_name``, else the id itself."""
    names = routes["route_name"] if "route_name" in routes else routes["route_id"]
    out: dict[str, str] = {}
    for route_id, name in zip(routes["route_id"], names, strict=True):
        if route_id not in out or out[route_id] == route_id:
            out[str(route_id)] = str(name) if isinstance(name, str) and name else str(route_id)
    return out


@dataclass(frozen=True)
class MapLayers:
    """What one map draws, prepared for its bounds by :func:`corridors.pipeline.map_layers`.

    ``metrics`` as from :func:`corridors.metrics.route_metrics`, ``crossings`` as from
    ``crossings_from_routes``, ``split`` as from :func:`corridors.historic.historic_split`;
    ``layers`` the basemap extras and thematic layers by catalogue name; ``world`` the whole
    countries layer (for the overview map).
    """

    basemap: Basemap
    country_labels: pd.DataFrame  # name, lon, lat
    world: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    metrics: pd.DataFrame
    crossings: pd.DataFrame
    places: gpd.GeoDataFrame
    layers: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    split: pd.DataFrame | None = None


def drawable_routes(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Routes as lines the drawing functions accept: one LineString per row, every property they read present.

    MultiLineStrings become one row per part; a feature without ``name``, ``status``, ``mode``
    or ``sources`` (a user's geometry-only file) shows its route name and "unknown".
    """
    names = route_display_names(routes)
    lines = routes.explode(index_parts=False).reset_index(drop=True)
    lines = lines[lines.geometry.geom_type == "LineString"].copy()
    lines["route_name"] = lines["route_id"].map(names)
    for column, default in (("status", "unknown"), ("mode", "unknown"), ("sources", "not stated")):
        if column not in lines:
            lines[column] = default
        lines[column] = lines[column].where(lines[column].notna(), default)
    if "name" not in lines:
        lines["name"] = lines["route_name"]
    lines["name"] = lines["name"].where(lines["name"].notna(), lines["route_name"])
    return lines


def render_map(spec: MapSpec, data: MapLayers) -> folium.Map:
    """Draw one map: offline vector basemap, routes by status, crossings, legend, caption and summary.

    Every text taken from data is escaped. With exclusive ways (``spec.groups``) each way is a
    layer drawing exactly its path; the panel holds each way's caption and legend entries
    (``section.corridors-choice``), shown for the way on display.
    """
    import folium
    from folium.plugins import GroupedLayerControl

    from .render_layers import add_layer

    west, south, east, north = spec.bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        width=f"{MAP_WIDTH_PCT}%",
        control_scale=True,
        zoom_snap=0.25,  # fit the extent in quarter zoom steps: a close-up map is not left half empty
    )
    # Only Leaflet and jQuery (folium's popups use it): no Bootstrap or icon fonts to fetch.
    fmap.default_js = [js for js in fmap.default_js if js[0] in ("leaflet", "jquery")]
    fmap.default_css = [css for css in fmap.default_css if css[0] == "leaflet_css"]
    fmap.fit_bounds([[south, west], [north, east]])
    add_basemap(fmap, data.basemap)
    catalogue = load_catalogue()
    for name in (*catalogue.basemap_layers, *spec.layers):
        if name in data.layers:
            add_layer(fmap, catalogue.layers[name].draw, data.layers[name], split=data.split)
    # The map's first route is drawn last, on top: a long route never hides the one the map is about.
    order = {route_id: -i for i, route_id in enumerate(spec.route_ids)}
    chosen = data.routes[data.routes["route_id"].isin(spec.route_ids)]
    routes = drawable_routes(chosen.iloc[chosen["route_id"].map(order).argsort(kind="stable")])
    choices = spec.groups or (ChoiceSpec("Routes", spec.caption, routes, data.crossings, spec.route_ids),)
    layers = []
    for i, choice in enumerate(choices):
        group = folium.FeatureGroup(name=_text(choice.label), show=i == 0 or not spec.groups)
        lines = drawable_routes(choice.lines) if spec.groups else routes
        _add_routes(group, lines, data.metrics)
        _add_crossings(group, choice.crossings[choice.crossings["route_id"].isin(choice.route_ids)])
        group.add_to(fmap)
        layers.append(group)
    add_labels(fmap, data.places, spec.place_ids, data.country_labels)
    folium.LayerControl(collapsed=True).add_to(fmap)  # an icon: the title keeps its room
    if spec.groups:
        control = GroupedLayerControl({"Show one way": layers}, exclusive_groups=True, collapsed=False)
        control.layers_untoggle = [g.get_name() for g in layers[1:]]  # a list in group order: deterministic
        control.add_to(fmap)
    _add_controls(fmap, data.world)
    drawn = routes.iloc[::-1] if not spec.groups else drawable_routes(spec.groups[0].lines)  # legend: map order
    _add_legend(fmap, drawn, spec.historic)
    _add_title(fmap, spec)
    events = data.layers.get("events") if "events" in spec.layers else None
    _add_summary(
        fmap,
        spec,
        data.metrics,
        data.split if spec.historic else None,
        layers,
        route_display_names(data.routes),
        events,
    )
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


def _add_routes(group: folium.FeatureGroup, routes: gpd.GeoDataFrame, metrics: pd.DataFrame) -> None:
    import folium

    by_id = metrics.set_index("route_id")
    for row in routes.itertuples(index=False):
        m = by_id.loc[row.route_id]
        km = ", ".join(f"{_text(str(k))} {v:.1f} km" for k, v in m["km_by_country"].items())
        popup = (
            f"<b>{_text(str(row.name))}</b><br>{_text(row.status.replace('_', ' '))}, {_text(row.mode)}"
            f"<br>{_text(row.route_name)}: {m['length_km']:.1f} km ({km})"
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


def _add_crossings(group: folium.FeatureGroup, crossings: pd.DataFrame) -> None:
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


def _element(markup: str) -> Element:
    return Element(markup)


def _add_legend(fmap: folium.Map, routes: gpd.GeoDataFrame, historic: bool) -> None:
    seen = dict.fromkeys(routes["route_id"])
    names = route_display_names(routes)
    swatch = '<span style="border-top:4px solid {};display:inline-block;width:28px"></span>'
    items = "".join(f"<li>{swatch.format(ROUTE_COLOURS.get(r, '#333'))} {_text(names[r])}</li>" for r in seen)
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


def _choice_sections(spec: MapSpec, layers: list[folium.FeatureGroup], names: Mapping[str, str]) -> str:
    """Per exclusive way, its caption and legend entries; only the way shown at first is not ``hidden``.

    Each ``section.corridors-choice`` names its layer in ``data-layer`` (the FeatureGroup's
    JavaScript variable) and its position in ``data-choice``: the page's script shows the
    section of the way the reader picks.
    """
    sections = []
    for i, (choice, layer) in enumerate(zip(spec.groups, layers, strict=True)):
        swatch = '<span style="border-top:4px solid {};display:inline-block;width:28px"></span>'
        items = "".join(
            f"<li>{swatch.format(ROUTE_COLOURS.get(r, '#333333'))} {_text(names.get(r, r))}</li>"
            for r in choice.route_ids
        )
        sections.append(
            f"<section class='corridors-choice' data-choice='{i}' data-layer='{layer.get_name()}'"
            f"{'' if i == 0 else ' hidden'}><h3>{_text(choice.label)}</h3><p>{_text(choice.caption)}</p>"
            f"<ul class='corridors-choice-legend' style='list-style:none;padding:0;margin:0'>{items}</ul></section>"
        )
    return "".join(sections)


def _events_table(events: pd.DataFrame) -> str:
    rows = []
    for e in events.sort_values(["date", "event_id"]).to_dict("records"):
        end = e.get("date_end")
        when = f"{e['date']}–{end}" if isinstance(end, str) and end else str(e["date"])
        rows.append(
            f"<tr><th scope='row'>{_text(when)}</th><td>{_text(e['name'])}</td><td>{_text(e['summary'])}</td>"
            f"<td>{_text(e['source'])}</td></tr>"
        )
    return _table("Dated events", ("Date", "Event", "What happened", "Source"), rows)


def _add_summary(
    fmap: folium.Map,
    spec: MapSpec,
    metrics: pd.DataFrame,
    split: pd.DataFrame | None,
    layers: list[folium.FeatureGroup],
    names: Mapping[str, str],
    events: pd.DataFrame | None = None,
) -> None:
    """The text a screen reader or a reader without JavaScript gets: summary and metrics table."""
    rows = []
    for m in metrics[metrics["route_id"].isin(spec.route_ids)].to_dict("records"):
        by_country = ", ".join(f"{_text(k)} {v:,.1f}" for k, v in m["km_by_country"].items())
        statuses = m.get("km_by_status")
        by_status = (
            ", ".join(f"{_text(k.replace('_', ' '))} {v:,.1f}" for k, v in statuses.items())
            if isinstance(statuses, dict)
            else "not stated"
        )
        rows.append(
            f"<tr><th scope='row'>{_text(names.get(m['route_id'], m['route_id']))}</th>"
            f"<td class='num'>{m['length_km']:,.1f}</td>"
            f"<td>{by_country}</td><td>{by_status}</td><td class='num'>{m['crossings']}</td>"
            f"<td>{_text(m['sequence_text'])}</td></tr>"
        )
    panel = (
        f"{_PAGE_CSS}<aside class='corridors-panel' aria-label='Summary and metrics'>"
        f"<h2>{_text(spec.title)}</h2><p>{_text(spec.caption)}</p>"
        f"<p class='corridors-status-as-of'>Status {_text(spec.status_as_of)}</p>"
        f"{_choice_sections(spec, layers, names) if spec.groups else ''}"
        f"{_table('Route metrics (geodesic kilometres on the WGS84 ellipsoid)', ROUTE_COLUMNS, rows)}"
        f"{_split_table(split) if split is not None else ''}{_comparison_table(spec)}"
        f"{_events_table(events) if events is not None and len(events) else ''}"
        f"<p style='font-size:11px'>Sources: {_text(ATTRIBUTION)}</p></aside>"
    )
    figure_of(fmap).html.add_child(_element(panel))
