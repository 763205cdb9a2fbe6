"""Rendering: analysed layers in, ``folium.Map`` out. Computes no metric itself."""

from __future__ import annotations

import html
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
DASHES = {"operational": None, "under_construction": "10 6", "planned": "2 6", "proposed": "1 8", "defunct": "4 4"}
ATTRIBUTION = (
    "Borders © OpenStreetMap contributors (ODbL); Natural Earth (public domain); "
    "places GeoNames (CC BY 4.0); sea lanes: searoute"
)


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


def render_map(
    spec: MapSpec,
    *,
    countries: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame,
    metrics: pd.DataFrame,
    crossings: pd.DataFrame,
    regions: gpd.GeoDataFrame,
) -> folium.Map:
    """Draw one map: offline vector basemap, routes by status, crossings, legend and caption.

    All inputs come from the layers and the analysis (``metrics``: one row per route as from
    :func:`corridors.metrics.route_metrics`; ``crossings`` as from ``crossings_from_routes``). Every text
    taken from data is HTML-escaped.
    """
    import folium

    west, south, east, north = spec.bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=7, tiles=None, prefer_canvas=False)
    fmap.fit_bounds([[south, west], [north, east]])
    _add_basemap(fmap, countries, regions)
    chosen = routes[routes["route_id"].isin(spec.route_ids)]
    groups = spec.groups or ((spec.title, spec.route_ids),)
    for label, ids in groups:
        group = folium.FeatureGroup(name=_text(label), overlay=not spec.groups, show=True)
        _add_routes(group, chosen[chosen["route_id"].isin(ids)], metrics)
        _add_crossings(group, crossings[crossings["route_id"].isin(ids)])
        group.add_to(fmap)
    _add_controls(fmap)
    _add_legend(fmap, chosen)
    _add_title(fmap, spec)
    return fmap


def _add_basemap(fmap: folium.Map, countries: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    import folium

    folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles (online)", show=False, overlay=False).add_to(fmap)
    land = countries[["iso_a2", "name", "geometry"]].copy()
    land["name"] = land["name"].map(html.escape)
    folium.GeoJson(
        land,
        name="Countries (offline basemap)",
        style_function=lambda _: {"fillColor": "#f2efe9", "color": "#7a7a7a", "weight": 1, "fillOpacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        overlay=True,
        control=False,
    ).add_to(fmap)
    named = regions[["name", "geometry"]].copy()
    named["name"] = named["name"].map(html.escape)
    folium.GeoJson(
        named,
        name="Nakhchivan (exclave)",
        style_function=lambda _: {"fillColor": "#fde0c5", "color": "#D55E00", "weight": 1.5, "fillOpacity": 0.5},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)


def _add_routes(group: Any, routes: gpd.GeoDataFrame, metrics: pd.DataFrame) -> None:
    import folium

    by_id = metrics.set_index("route_id")
    for row in routes.itertuples(index=False):
        m = by_id.loc[row.route_id]
        km = ", ".join(f"{_text(str(k))} {v:.1f} km" for k, v in m["km_by_country"].items())
        popup = (
            f"<b>{_text(str(row.name))}</b><br>{_text(row.status.replace('_', ' '))}, {_text(row.mode)}"
            f"<br>route {_text(row.route_id)}: {m['length_km']:.1f} km ({km})"
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
        folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=6,
            color="#000000",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1,
            tooltip=_text(text),
        ).add_to(group)


def _add_controls(fmap: folium.Map) -> None:
    import folium
    from folium.plugins import Fullscreen, MeasureControl, MiniMap

    folium.LayerControl(collapsed=False).add_to(fmap)
    MeasureControl(primary_length_unit="kilometers").add_to(fmap)
    Fullscreen().add_to(fmap)
    MiniMap(tile_layer=None, toggle_display=True).add_to(fmap)
    fmap.options["control_scale"] = True


def _add_legend(fmap: folium.Map, routes: gpd.GeoDataFrame) -> None:
    import folium

    seen = dict.fromkeys(routes["route_id"])
    swatch = '<span style="border-top:4px solid {};display:inline-block;width:28px"></span>'
    items = "".join(f"<li>{swatch.format(ROUTE_COLOURS.get(r, '#333'))} {_text(r)}</li>" for r in seen)
    styles = "".join(
        '<li><svg width="28" height="6"><line x1="0" y1="3" x2="28" y2="3" stroke="#333" stroke-width="3"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + f"/></svg> {status.replace('_', ' ')}</li>"
        for status, dash in DASHES.items()
        if status in set(routes["status"])
    )
    legend = (
        '<div class="corridors-legend" role="region" aria-label="Legend" style="position:absolute;bottom:30px;'
        'left:10px;z-index:1000;background:white;padding:6px 10px;font:12px sans-serif;border:1px solid #999">'
        f"<b>Routes</b><ul style='list-style:none;padding:0;margin:0'>{items}</ul>"
        f"<b>Status</b><ul style='list-style:none;padding:0;margin:0'>{styles}</ul>"
        "<span>○ border crossing</span></div>"
    )
    fmap.get_root().html.add_child(folium.Element(legend))


def _add_title(fmap: folium.Map, spec: MapSpec) -> None:
    import folium

    block = (
        '<div class="corridors-title" style="position:absolute;top:10px;left:60px;z-index:1000;background:white;'
        'padding:6px 10px;font:13px sans-serif;border:1px solid #999;max-width:60%">'
        f"<h1 style='font-size:16px;margin:0'>{_text(spec.title)}</h1>"
        f"<p style='margin:4px 0 0'>{_text(spec.caption)}</p>"
        f"<p style='margin:2px 0 0;font-size:10px'>{_text(ATTRIBUTION)}</p></div>"
    )
    fmap.get_root().html.add_child(folium.Element(block))
