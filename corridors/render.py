"""Rendering: analysed layers in, ``folium.Map`` out. Computes no metric itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._html import text as _text
from .catalogue import load_catalogue
from .display import Basemap
from .render_layers import HISTORIC_COLOURS, add_basemap, add_labels, add_layer
from .render_page import ATTRIBUTION, VectorMiniMap, add_controls, add_legend, add_title
from .render_panel import add_summary
from .render_routes import DASHES, ROUTE_COLOURS, add_crossings, add_routes, route_colours
from .specs import ChoiceSpec, MapSpec

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "ATTRIBUTION",
    "DASHES",
    "HISTORIC_COLOURS",
    "ROUTE_COLOURS",
    "MapLayers",
    "MapSpec",
    "VectorMiniMap",
    "drawable_routes",
    "render_map",
    "route_colours",
    "route_display_names",
]

MAP_WIDTH_PCT = 68  # the rest of the page holds the text summary and the metrics table (corridors.css)


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


FIT_PADDING_TOP_LEFT_PX = (0, 100)  # (x, y): room for the title box
FIT_PADDING_BOTTOM_RIGHT_PX = (0, 120)  # room for the legend box


def render_map(spec: MapSpec, data: MapLayers) -> folium.Map:
    """Draw one map: offline vector basemap, routes by status, crossings, legend, caption and summary.

    Every text taken from data is escaped. With exclusive ways (``spec.groups``) each way is a
    layer drawing exactly its path; the legend and the panel hold each way's entries and caption
    (``section.corridors-choice``), shown for the way on display.
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
        zoom_snap=0.25,  # fit the extent in quarter zoom steps: a close-up map is not left half empty
    )
    # Only Leaflet and jQuery (folium's popups use it): no Bootstrap or icon fonts to fetch.
    fmap.default_js = [js for js in fmap.default_js if js[0] in ("leaflet", "jquery")]
    fmap.default_css = [css for css in fmap.default_css if css[0] == "leaflet_css"]
    # The extent is fitted below the title and above the legend (both top and bottom left), not under them.
    fmap.fit_bounds(
        [[south, west], [north, east]],
        padding_top_left=FIT_PADDING_TOP_LEFT_PX,
        padding_bottom_right=FIT_PADDING_BOTTOM_RIGHT_PX,
    )
    add_basemap(fmap, data.basemap)
    catalogue = load_catalogue()
    for name in (*catalogue.basemap_layers, *spec.layers):
        if name in data.layers:
            add_layer(fmap, catalogue.layers[name].draw, data.layers[name], split=data.split)
    # The map's first route is drawn last, on top: a long route never hides the one the map is about.
    order = {route_id: -i for i, route_id in enumerate(spec.route_ids)}
    chosen = data.routes[data.routes["route_id"].isin(spec.route_ids)]
    routes = drawable_routes(chosen.iloc[chosen["route_id"].map(order).argsort(kind="stable")])
    names = route_display_names(data.routes)
    choices = spec.groups or (ChoiceSpec("Routes", spec.caption, routes, data.crossings, spec.route_ids),)
    layers = []
    for i, choice in enumerate(choices):
        group = folium.FeatureGroup(name=_text(choice.label), show=i == 0 or not spec.groups)
        add_routes(group, drawable_routes(choice.lines) if spec.groups else routes, data.metrics)
        add_crossings(group, choice.crossings[choice.crossings["route_id"].isin(choice.route_ids)], names)
        group.add_to(fmap)
        layers.append(group)
    add_labels(fmap, data.places, spec.place_ids, data.country_labels)
    folium.LayerControl(collapsed=True).add_to(fmap)  # an icon: the title keeps its room
    if spec.groups:
        control = GroupedLayerControl({"Show one way": layers}, exclusive_groups=True, collapsed=False)
        control.layers_untoggle = [g.get_name() for g in layers[1:]]  # a list in group order: deterministic
        control.add_to(fmap)
    add_controls(fmap, data.world)
    if spec.groups:
        ways = [(g.get_name(), c.route_ids) for g, c in zip(layers, spec.groups, strict=True)]
        add_legend(fmap, spec, drawable_routes(data.routes[data.routes["route_id"].isin(spec.route_ids)]), names, ways)
    else:
        add_legend(fmap, spec, routes.iloc[::-1], names)  # map order
    add_title(fmap, spec)
    events = data.layers.get("events") if "events" in spec.layers else None
    add_summary(fmap, spec, data.metrics, data.split if spec.historic else None, layers, names, events)
    return fmap
