"""Drawing the routes (a visible line and a wide invisible hit line per segment) and their border crossings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from branca.element import MacroElement

from ._html import text as _text
from .catalogue import load_catalogue
from .render_layers import figure_of

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "CROSSING_PANE",
    "DASHES",
    "HIT_PANE",
    "ROUTE_COLOURS",
    "ROUTE_PANE",
    "PageMarkup",
    "add_crossings",
    "add_routes",
    "route_colours",
]

# Route colours come from the catalogue (corridors/catalogue.toml); a user's own route is dark grey.
ROUTE_COLOURS = {route_id: style.colour for route_id, style in load_catalogue().routes.items()}
OTHER_ROUTE = "#333333"
DASHES = {"operational": None, "under_construction": "10 6", "planned": "2 6", "proposed": "1 8", "defunct": "4 4"}
ROUTE_PANE, HIT_PANE, CROSSING_PANE = "corridors-routes", "corridors-hit", "corridors-crossings"  # see corridors.js
ROUTE_WEIGHT_PX = 4
HIT_WEIGHT_PX = 16  # an invisible line this wide under the pointer opens a route's tooltip and popup
NEAR_POST_KM = 5.0  # a crossing names the border post within this distance
SEA = "sea"  # the country code of the sea in crossings

# One row of a DataFrame (``to_dict("records")``): its values have each column's own type.
Record = Mapping[str, Any]


def route_colours(route_ids: Iterable[str]) -> dict[str, str]:
    """The colour (``#rrggbb``) each route is drawn in, from the catalogue; routes without one are dark grey."""
    return {route_id: ROUTE_COLOURS.get(route_id, OTHER_ROUTE) for route_id in route_ids}


class PageMarkup(MacroElement):
    """Writes ``markup`` into the page body when the map is rendered, for elements whose own parent is not
    yet on the map when they are made (a layer group's crossing list)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "PageMarkup"
        self.markup = markup

    def render(self, **kwargs: object) -> str:
        from branca.element import Element

        figure_of(self).html.add_child(Element(self.markup))
        super().render(**kwargs)
        return ""  # written into the page, not in place


def _lines(geometry: BaseGeometry) -> list[list[tuple[float, float]]]:
    """Leaflet's ``[[lat, lon], …]`` of each part of a LineString or MultiLineString."""
    parts = getattr(geometry, "geoms", [geometry])
    return [[(y, x) for x, y, *_ in part.coords] for part in parts if not part.is_empty]


def _value(row: Record, key: str) -> str | None:
    """A text property of a route feature, or None when absent or null."""
    value = row.get(key)
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _segment_text(row: Record) -> str:
    """The segment's own facts: length (from the analysis), mode, status with its date, opening dates."""
    status = (_value(row, "status") or "status unknown").replace("_", " ")
    length = row.get("length_km")
    facts = [f"{length:,.1f} km"] if isinstance(length, float) and length == length else []
    facts += [_value(row, "mode") or "mode unknown", status]
    as_of = _value(row, "status_as_of") or _value(row, "retrieved")
    text = ", ".join(_text(f) for f in facts) + (f" (as of {_text(as_of)})" if as_of else "")
    for key, label in (
        ("construction_started", "construction started"),
        ("opened", "opened"),
        ("expected", "expected"),
    ):
        when = _value(row, key)
        if when:
            text += f"; {label} {_text(when)}"
    return text


def _route_popup(row: Record, route: pd.Series | None, route_name: str) -> str:
    """The segment's own facts, then the whole route's totals and its sources (escaped)."""
    name = _value(row, "name") or route_name
    popup = f"<b>{_text(name)}</b><br>This segment: {_segment_text(row)}"
    if route is not None:
        km = ", ".join(f"{_text(str(k))} {v:,.1f} km" for k, v in route["km_by_country"].items())
        popup += (
            f"<hr><b>{_text(route_name)}</b>, whole route: {route['length_km']:,.1f} km ({km}); "
            f"{route['crossings']} border crossings<br>{_text(route['sequence_text'])}"
        )
    sources = _value(row, "status_source") or _value(row, "sources")
    return popup + (f"<br><small>Sources: {_text(sources)}</small>" if sources else "")


def add_routes(group: folium.FeatureGroup, routes: gpd.GeoDataFrame, metrics: pd.DataFrame) -> None:
    """Draw each segment twice: the line (not interactive) in its route's colour and its status's dashes, and a
    wide invisible line above it carrying the tooltip and the popup, so that thin and dotted lines are easy to
    hover and tap.

    ``routes`` as from :func:`corridors.render.drawable_routes` (``route_name`` present), ``metrics``
    as from :func:`corridors.metrics.route_metrics` (the whole routes' totals for the popups).
    """
    import folium

    by_id = metrics.set_index("route_id")
    for row in routes.to_dict("records"):
        lines = _lines(row["geometry"])
        if not lines:
            continue
        route_id, route_name = str(row["route_id"]), _value(row, "route_name") or str(row["route_id"])
        colour = route_colours([route_id])[route_id]
        drawn = folium.PolyLine(lines, color=colour, weight=ROUTE_WEIGHT_PX, dash_array=DASHES.get(row.get("status")))
        drawn.options.update(interactive=False, pane=ROUTE_PANE)
        drawn.add_to(group)
        route = by_id.loc[route_id] if route_id in by_id.index else None
        status = (_value(row, "status") or "status unknown").replace("_", " ")
        hit = folium.PolyLine(
            lines,
            color=colour,
            weight=HIT_WEIGHT_PX,
            opacity=0,
            tooltip=_text(f"{_value(row, 'name') or route_name} ({status}): {route_name}"),
            popup=folium.Popup(_route_popup(row, route, route_name), max_width=360),
        )
        hit.options.update(pane=HIT_PANE, className="corridors-hit")
        hit.add_to(group)


def _crossing_key(row: Record) -> str:
    return f"{row['from']}-{row['to']}-{row['lat']:.3f}-{row['lon']:.3f}"


def _crossing_texts(row: Record, route_name: str) -> tuple[str, str]:
    """A short label for the map and the full description, both escaped."""
    post = row.get("border_post")
    near = isinstance(post, str) and row["border_post_km"] <= NEAR_POST_KM
    text = f"{row['from']} → {row['to']} at km {row['km_along']:.1f} of {route_name}"
    if isinstance(row.get("arrives_in"), str):
        text += f" (into {row['arrives_in']})"
    if near:
        text += f", {post}"
    if SEA in (row["from"], row["to"]):  # a port call: the port's country
        label = f"port ({row['to'] if row['from'] == SEA else row['from']})"
    else:
        label = str(post).split(" (")[0] if near else f"{row['from']}–{row['to']}"
    return _text(label), _text(text)


def add_crossings(group: folium.FeatureGroup, crossings: pd.DataFrame, names: Mapping[str, str]) -> None:
    """Label the crossings on the map (small permanent labels, priority 0 in the page's collision pass, a popup
    each) and list them for the panel: a button per crossing that shows it on the map (corridors.js moves the
    list into the panel and shows the lists of the groups on the map).

    ``crossings`` as from :func:`corridors.crossings.crossings_from_routes`; ``names`` the routes'
    display names by id. Two routes of one group through the same crossing give one marker.
    """
    import folium

    items, seen, labelled = [], set(), set()
    for row in crossings.to_dict("records"):
        key = _crossing_key(row)
        if key in seen:
            continue
        seen.add(key)
        label, text = _crossing_texts(row, names.get(str(row["route_id"]), str(row["route_id"])))
        # Two routes crossing at one post (a railway and a pipeline at Yalama–Samur): one permanent label.
        near = (label, round(row["lat"], 1), round(row["lon"], 1))
        permanent = near not in labelled
        labelled.add(near)
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
                permanent=permanent,
                direction="right",
                class_name="corridors-label corridors-crossing-label",
            ),
        )
        marker.options.update(pane=CROSSING_PANE, crossingId=crossing_id)
        marker.add_to(group)
        items.append(f'<li data-key="{key}"><button type="button" data-crossing="{crossing_id}">{text}</button></li>')
    if items:
        group.add_child(
            PageMarkup(
                f'<ul class="corridors-crossing-items corridors-crossing-list" data-group="{group.get_name()}" '
                f"hidden>{''.join(items)}</ul>"
            )
        )
