"""The page around a map: controls, page setup (title, language, viewport, CSS and script), title box and legend."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import TYPE_CHECKING

from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MiniMap
from folium.template import Template

from ._html import text as _text
from .catalogue import load_catalogue
from .render_layers import EVENT, HISTORIC_COLOURS, REGION_BORDER, REGION_FILL, figure_of
from .render_routes import DASHES, route_colours

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from .specs import MapSpec

__all__ = [
    "ATTRIBUTION",
    "VIEWPORT",
    "PageSetup",
    "VectorMiniMap",
    "add_controls",
    "add_legend",
    "add_title",
    "swatch",
]

ATTRIBUTION = (
    "Borders © OpenStreetMap contributors (ODbL); Natural Earth (public domain); "
    "places GeoNames (CC BY 4.0); sea lanes: searoute"
)
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'  # pinch-zoom stays on
# folium's page, with the language said.
PAGE_TEMPLATE = Template(
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
    "{{ this.header.render(**kwargs) }}\n</head>\n<body>\n{{ this.html.render(**kwargs) }}\n</body>\n"
    "<script>\n{{ this.script.render(**kwargs) }}\n</script>\n</html>\n"
)


def _static(name: str) -> str:
    """A file of corridors/static (shipped in the wheel)."""
    return files("corridors").joinpath("static", name).read_text(encoding="utf-8")


class _Rendered(Element):
    """Markup already rendered, written as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class PageSetup(MacroElement):
    """Replaces folium's viewport meta (which turns off zooming the page) when the map is rendered."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "PageSetup"

    def render(self, **kwargs: object) -> str:
        header, fmap = figure_of(self).header, self._parent
        if fmap is None:
            raise TypeError("PageSetup is not on a map")
        rendered = header._children[fmap.get_name()].render()
        header._children[fmap.get_name()] = _Rendered(
            re.sub(r'<meta name="viewport"[^>]*>', VIEWPORT, rendered, count=1)
        )
        super().render(**kwargs)
        return ""  # nothing in place: it edits the page's header


MINIMAP_TOLERANCE_DEG = 0.25  # the 150 px overview shows 16x the map's width: outlines at ~25 km do
MINIMAP_MIN_AREA_DEG2 = 0.5  # and no islands smaller than ~5,000 km²


class VectorMiniMap(JSCSSMixin, MacroElement):
    """An overview map drawn from the countries layer, so that it works without tiles or network.

    Parameters
    ----------
    countries
        Country polygons (WGS84); parts under :data:`MINIMAP_MIN_AREA_DEG2` are dropped and the
        rest simplified to :data:`MINIMAP_TOLERANCE_DEG`.
    """

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

    def __init__(self, countries: gpd.GeoDataFrame) -> None:
        import shapely

        super().__init__()
        self._name = "MiniMap"
        parts = shapely.get_parts(countries.geometry.values)
        parts = parts[shapely.area(parts) >= MINIMAP_MIN_AREA_DEG2]
        outlines = shapely.set_precision(shapely.simplify(parts, MINIMAP_TOLERANCE_DEG, preserve_topology=False), 0.05)
        self.data = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
                for g in outlines
                if not shapely.is_empty(g)
            ],
        }


def add_controls(fmap: folium.Map, countries: gpd.GeoDataFrame) -> None:
    """Measure, fullscreen and overview controls, and the page's own CSS and script (panes, layout, labels)."""
    from folium.plugins import Fullscreen, MeasureControl

    MeasureControl(primary_length_unit="kilometers", position="topright").add_to(fmap)
    Fullscreen(
        position="topright", title="Full screen", title_cancel="Leave full screen", force_separate_button=True
    ).add_to(fmap)
    VectorMiniMap(countries).add_to(fmap)
    fmap.options["touchZoom"] = True  # pinch-zoom on phones (Leaflet's default, said explicitly)
    root = figure_of(fmap)
    root.html.add_child(Element(f"<style>{_static('corridors.css')}</style>"), name="corridors_css")
    # In the body: after Leaflet (in the head), before folium's map script (after the body).
    root.html.add_child(Element(f"<script>{_static('corridors.js')}</script>"), name="corridors_js")
    PageSetup().add_to(fmap)


def swatch(colour: str, dash: str | None = None, width: int = 4) -> str:
    """A legend sample of a line: ``colour``, dashed as ``dash`` (SVG dash array), ``width`` pixels wide."""
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg class="corridors-swatch" width="28" height="8" aria-hidden="true"><line x1="1" y1="4" x2="27" y2="4" '
        f'stroke="{colour}" stroke-width="{width}"{dashes}/></svg>'
    )


def _circle(radius: int, fill: str, stroke: str, width: int) -> str:
    return (
        f"<svg class='corridors-swatch' width='28' height='16' aria-hidden='true'><circle cx='14' cy='8' "
        f"r='{radius}' fill='{fill}' stroke='{stroke}' stroke-width='{width}'/></svg>"
    )


def _area(fill: str, border: str, style: str = "solid") -> str:
    return (
        f'<span class="corridors-swatch" style="background:{fill};opacity:.6;border:1px {style} {border};'
        'display:inline-block;width:26px;height:10px"></span>'
    )


def _route_items(route_ids: Sequence[str], names: Mapping[str, str]) -> str:
    """Routes under their catalogue legend group, in map order; routes of one group sharing a colour once."""
    catalogue, colours = load_catalogue(), route_colours(route_ids)
    groups: dict[str, dict[str, list[str]]] = {}
    for route_id in route_ids:
        by_colour = groups.setdefault(catalogue.legend_group(route_id), {})
        by_colour.setdefault(colours[route_id], []).append(_text(names.get(route_id, route_id)))
    return "".join(
        f"<b>{_text(group)}</b><ul>"
        + "".join(f"<li>{swatch(colour)} {', '.join(labels)}</li>" for colour, labels in by_colour.items())
        + "</ul>"
        for group, by_colour in groups.items()
    )


def add_legend(
    fmap: folium.Map,
    spec: MapSpec,
    routes: gpd.GeoDataFrame,
    names: Mapping[str, str],
    choices: Sequence[tuple[str, Sequence[str]]] = (),
) -> None:
    """The legend: a Leaflet control (moved into the map by corridors.js), collapsible, closed on phones.

    ``routes`` the drawn lines (their statuses are listed); ``names`` the display names by route id;
    ``choices`` (layer variable, route ids) per exclusive way: each way's routes, shown while its layer is.
    """
    if choices:
        items = "".join(
            f"<div class='corridors-legend-choice' data-layer='{layer}'{'' if i == 0 else ' hidden'}>"
            f"{_route_items(route_ids, names)}</div>"
            for i, (layer, route_ids) in enumerate(choices)
        )
    else:
        items = _route_items(list(dict.fromkeys(str(r) for r in routes["route_id"])), names)
    statuses = set(routes["status"]) if "status" in routes else set()
    styles = "".join(
        f"<li>{swatch('#333333', dash, 3)} {status.replace('_', ' ')}</li>"
        for status, dash in DASHES.items()
        if status in statuses
    )
    layers = load_catalogue().layers
    drawn = {layers[name].draw for name in spec.layers if name in layers}
    regions = [name for name in spec.layers if name in layers and layers[name].draw == "region"]
    north, south = HISTORIC_COLOURS["north"], HISTORIC_COLOURS["south"]
    historic = (
        f"<b>Historic Azerbaijan</b><ul><li>{_area(north, north)} north of the Aras</li>"
        f"<li>{_area(south, south)} south (Iran)</li><li>{_area('#fff', south, 'dashed')} with Zanjan (variant)</li>"
        "</ul>"
        if spec.historic
        else ""
    )
    symbols = (  # in rows, as room allows: the legend stays small beside the map
        "".join(f"<li>{_area(REGION_FILL, REGION_BORDER)} {_text(name.title())}</li>" for name in regions)
        + f"<li>{_circle(5, '#fff', '#000', 2)} border crossing</li><li>{_circle(3, '#222', '#222', 1)} place</li>"
        + (f"<li>{_circle(6, EVENT, '#fff', 2)} dated event</li>" if "events" in drawn else "")
    )
    legend = (
        '<div class="corridors-legend" role="region" aria-label="Legend"><details open><summary>Legend</summary>'
        # tabindex: a long legend scrolls, and keyboard users must be able to scroll it (axe: scrollable-region)
        f"<div class='corridors-body' tabindex='0'>{items}<b>Status {_text(spec.status_as_of)}</b>"
        f"<ul class='corridors-inline'>{styles}</ul>{historic}<ul class='corridors-inline'>{symbols}</ul></div>"
        "</details></div>"
    )
    figure_of(fmap).html.add_child(Element(legend))


def add_title(fmap: folium.Map, spec: MapSpec) -> None:
    """Title and caption: a Leaflet control (collapsed to its title on phones); the page's title and language.

    The sources are credited by the map's attribution control (inside the map, also in fullscreen) and in
    the panel: the title box stays small.
    """
    block = (
        f"<div class='corridors-title'><details open><summary><h1>{_text(spec.title)}</h1></summary>"
        f"<div class='corridors-body'><p>{_text(spec.caption)}</p></div></details></div>"
    )
    root = figure_of(fmap)
    root.html.add_child(Element(block))
    root.header.add_child(Element(f"<title>{_text(spec.title)}</title>"), name="corridors_title")
    root._template = PAGE_TEMPLATE
