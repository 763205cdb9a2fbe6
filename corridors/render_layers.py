"""Drawing the basemap, the static labels, the overview map and the catalogue's layers (one function per kind)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from ._html import text as _text
from .errors import CatalogueError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

    from .display import Basemap

__all__ = [
    "DRAWERS",
    "HISTORIC_COLOURS",
    "REGION_BORDER",
    "REGION_FILL",
    "MapLabel",
    "add_basemap",
    "add_labels",
    "add_layer",
    "figure_of",
]

HISTORIC_COLOURS = {"north": "#66B877", "south": "#4AA8C0"}  # hues no route uses (tests/test_palette.py)
REGION_FILL, REGION_BORDER = "#f3d6dc", "#9c2f55"  # a highlighted region (Nakhchivan): no route hue either
WATER = "#cfe3f0"  # lakes: the sea's colour
RIVER = "#4a90c2"
PIPELINE = "#402000"  # dark brown: the pipeline route's colour in corridors/catalogue.toml
EVENT = "#5b2a86"
SHARE_OFFSET_PX = 16  # a share label hangs this far below its point: clear of a 12 px country name
# Labels take part in the page's collision pass (corridors.js): higher priority is placed first, a label that
# meets one already placed is hidden. The map's key places and shares win over regions and capitals, which win
# over countries and seas; crossing labels (corridors.render_routes) come last, at 0.
PRIORITY = {"place": 4, "share": 4, "region": 3, "capital": 2, "country": 1, "sea": 1}


def label_class(kind: str) -> str:
    """The CSS classes of a static label of ``kind`` (a key of :data:`PRIORITY`)."""
    return f"corridors-label corridors-priority-{PRIORITY[kind]} corridors-{kind}-label"


LABEL_CSS = """<style>
.leaflet-tooltip.corridors-label.corridors-sea-label {background:transparent;border:0;box-shadow:none;padding:0;
  color:#2c6a99;font:italic 12px/1 serif;text-shadow:0 0 3px #fff}
.leaflet-tooltip.corridors-label.corridors-capital-label, .leaflet-tooltip.corridors-label.corridors-region-label {
  background:transparent;border:0;box-shadow:none;padding:0 4px;color:#333;font:11px/1 sans-serif;font-weight:normal;
  text-shadow:0 0 3px #fff,0 0 3px #fff}
.leaflet-tooltip.corridors-label.corridors-share-label {background:#fff;border:1px solid #999;box-shadow:none;
  padding:2px 4px;color:#222;font:bold 12px/1.2 sans-serif}
.leaflet-tooltip.corridors-label.corridors-share-label::before,
.leaflet-tooltip.corridors-label.corridors-sea-label::before,
.leaflet-tooltip.corridors-label.corridors-capital-label::before,
.leaflet-tooltip.corridors-label.corridors-region-label::before {display:none}
</style>"""


def feature_collection(frame: gpd.GeoDataFrame, columns: tuple[str, ...] = ()) -> dict[str, object]:
    """A GeoJSON FeatureCollection of these columns, geometries written by GEOS (far faster than
    ``__geo_interface__``, which folium would call); values are written as they are."""
    geometries = shapely.to_geojson(frame.geometry.values)
    records = frame[list(columns)].to_dict("records") if columns else [{}] * len(frame)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": json.loads(geometry)}
            for props, geometry in zip(records, geometries, strict=True)
        ],
    }


class MapLabel(MacroElement):
    """A permanent label at a point: a standalone Leaflet tooltip, with no marker (so no icon image to load).

    Parameters
    ----------
    location
        Latitude, longitude (degrees).
    text
        The label, already escaped for HTML.
    class_name
        CSS class of the label; ``direction`` and ``offset_px`` place it against its point.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.tooltip({{ this.options|tojson }}).setLatLng({{ this.location|tojson }})
            .setContent({{ this.text|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, location: tuple[float, float], text: str, class_name: str, direction: str = "center", offset_px: int = 0
    ) -> None:
        super().__init__()
        self._name = "MapLabel"
        self.location = [float(location[0]), float(location[1])]
        self.text = text
        self.options = {
            "permanent": True,
            "interactive": False,
            "direction": direction,
            "className": class_name,
            "offset": [0, offset_px],
        }


def _label(
    fmap: folium.Map, lat: float, lon: float, name: str, css: str, direction: str = "center", offset_px: int = 0
) -> None:
    MapLabel((lat, lon), _text(name), css, direction, offset_px).add_to(fmap)


def _region(fmap: folium.Map, layer: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    named = layer[["name", "geometry"]].copy()
    named["name"] = named["name"].map(_text)
    folium.GeoJson(
        feature_collection(named, ("name",)),
        name=_text(", ".join(dict.fromkeys(layer["name"]))),
        style_function=lambda _: {"fillColor": REGION_FILL, "color": REGION_BORDER, "weight": 1.5, "fillOpacity": 0.5},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)


def _historic(fmap: folium.Map, historic: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    if split is None:
        raise CatalogueError("the historic layer is drawn with its split (historic_split); none was given")
    shares = split.set_index(["definition", "part"])
    parts = historic[["name", "part", "definition", "population", "population_year", "geometry"]].copy()
    parts["tooltip"] = [
        _text(
            f"{r.name}: {r.population:,} people ({r.population_year}). "
            f"{'Northern part (Republic of Azerbaijan)' if r.part == 'north' else 'Southern part (Iran)'}: "
            f"{shares.loc[(r.definition, r.part), 'area_share']:.0%} of the area, "
            f"{shares.loc[(r.definition, r.part), 'population_share']:.0%} of the population"
            + (" (with Zanjan)" if r.definition != "core" else "")
            + ". Borders are today's."
        )
        for r in parts.itertuples(index=False)
    ]
    folium.GeoJson(
        feature_collection(parts, ("tooltip", "part", "definition")),
        name="Historic Azerbaijan, divided in 1828",
        style_function=lambda f: {
            "fillColor": HISTORIC_COLOURS[f["properties"]["part"]],
            "color": HISTORIC_COLOURS[f["properties"]["part"]],
            "weight": 1.5,
            "fillOpacity": 0.25 if f["properties"]["definition"] == "core" else 0.08,
            "dashArray": None if f["properties"]["definition"] == "core" else "4 4",
        },
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    ).add_to(fmap)
    figure_of(fmap).header.add_child(_css())
    for part, name in (("north", "North of the Aras"), ("south", "South (Iran)")):
        core = historic[(historic["part"] == part) & (historic["definition"] == "core")]
        if core.empty:
            continue
        area = shapely.union_all(core.geometry.values)
        west, _, east, _ = area.bounds
        point = shapely.get_point(shapely.maximum_inscribed_circle(area, (east - west) / 100), 0)
        row = shares.loc[("core", part)]
        text = f"{name}: {row['area_share']:.0%} of the area, {row['population_share']:.0%} of the people"
        # Below the country's own name, which sits at the same point of the same polygon.
        _label(fmap, point.y, point.x, text, label_class("share"), direction="bottom", offset_px=SHARE_OFFSET_PX)


def _water(fmap: folium.Map, lakes: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    shown = lakes[["name", "geometry"]].copy()
    shown["name"] = shown["name"].fillna("lake").map(_text)
    folium.GeoJson(
        feature_collection(shown, ("name",)),
        name="Lakes",
        style_function=lambda _: {"fillColor": WATER, "color": RIVER, "weight": 0.5, "fillOpacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        control=False,
    ).add_to(fmap)


def _rivers(fmap: folium.Map, rivers: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    shown = rivers[["name", "geometry"]].copy()
    shown["name"] = shown["name"].fillna("river").map(_text)
    folium.GeoJson(
        feature_collection(shown, ("name",)),
        name="Rivers",
        style_function=lambda _: {"color": RIVER, "weight": 2, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        control=False,
    ).add_to(fmap)


def _sea_labels(fmap: folium.Map, seas: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    figure_of(fmap).header.add_child(_css())
    for row in seas.itertuples(index=False):
        point = row.geometry.representative_point()
        _label(fmap, point.y, point.x, str(row.name), label_class("sea"))


def _capitals(fmap: folium.Map, capitals: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    figure_of(fmap).header.add_child(_css())
    for row in capitals.itertuples(index=False):
        point = row.geometry.representative_point()
        folium.CircleMarker(
            [point.y, point.x],
            radius=3,
            color="#ffffff",
            weight=1,
            fill=True,
            fill_color="#222222",
            fill_opacity=1,
            interactive=False,
        ).add_to(fmap)
        _label(fmap, point.y, point.x, str(row.name), label_class("capital"), direction="right")


def _admin1(fmap: folium.Map, regions: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    import folium

    figure_of(fmap).header.add_child(_css())
    shown = regions[["name", "geometry"]].copy()
    shown["name"] = shown["name"].map(_text)
    shown = shown[shown.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]  # a label point is only labelled
    if not shown.empty:
        folium.GeoJson(
            feature_collection(shown),
            name="Provinces and regions",
            style_function=lambda _: {"color": "#999999", "weight": 1, "dashArray": "3 3", "fill": False},
            interactive=False,
        ).add_to(fmap)
    for row in regions.itertuples(index=False):
        point = row.geometry.representative_point()
        _label(fmap, point.y, point.x, str(row.name), label_class("region"))


def _events(fmap: folium.Map, events: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    """Dated events as markers; the popup gives the date (or period), the summary and the source."""
    import folium

    group = folium.FeatureGroup(name="Dated events")
    for row in events.sort_values(["date", "event_id"]).itertuples(index=False):
        end = getattr(row, "date_end", None)
        when = f"{row.date}–{end}" if isinstance(end, str) and end else str(row.date)
        popup = (
            f"<b>{_text(row.name)}</b><br>{_text(when)}<br>{_text(row.summary)}"
            f"<br><small>Source: {_text(row.source)}</small>"
        )
        point = row.geometry.representative_point()
        folium.CircleMarker(  # purple with a white ring: not a place (black dot) nor a crossing (white, black ring)
            [point.y, point.x],
            radius=7,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=EVENT,
            fill_opacity=1,
            tooltip=_text(f"{when}: {row.name}"),
            popup=folium.Popup(popup, max_width=320),
        ).add_to(group)
    group.add_to(fmap)


def _pipelines(fmap: folium.Map, pipelines: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    """Pipelines as thin brown dashed lines, named with their status and its date."""
    import folium

    group = folium.FeatureGroup(name="Pipelines")
    for row in pipelines.explode(index_parts=False).itertuples(index=False):
        as_of = getattr(row, "status_as_of", None)
        status = str(getattr(row, "status", "unknown")).replace("_", " ")
        label = f"{row.name} (pipeline, {status}" + (f" as of {as_of})" if isinstance(as_of, str) else ")")
        folium.PolyLine(
            [(y, x) for x, y in row.geometry.coords],
            color=PIPELINE,
            weight=2,
            dash_array="6 3",
            tooltip=_text(label),
        ).add_to(group)
    group.add_to(fmap)


def figure_of(element: Element) -> Figure:
    """The page a map (or an element on it) is drawn on (folium's root element is always a branca Figure)."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"the map's root is a {type(root).__name__}, not a branca Figure")
    return root


def _css() -> folium.Element:
    import folium

    return folium.Element(LABEL_CSS)


def _countries(fmap: folium.Map, layer: gpd.GeoDataFrame, split: pd.DataFrame | None) -> None:
    """The countries are the basemap (:func:`add_basemap`): nothing more to draw."""


Drawer = Callable[["folium.Map", "gpd.GeoDataFrame", "pd.DataFrame | None"], None]
DRAWERS: dict[str, Drawer] = {
    "countries": _countries,
    "region": _region,
    "historic": _historic,
    "water": _water,
    "rivers": _rivers,
    "sea_labels": _sea_labels,
    "capitals": _capitals,
    "admin1": _admin1,
    "events": _events,
    "pipelines": _pipelines,
}


def add_layer(fmap: folium.Map, draw: str, layer: gpd.GeoDataFrame, *, split: pd.DataFrame | None = None) -> None:
    """Draw ``layer`` on ``fmap`` the way the catalogue's ``draw`` kind says."""
    if draw not in DRAWERS:
        raise CatalogueError(f"no drawing function for draw kind {draw!r}; kinds: {', '.join(DRAWERS)}")
    if not layer.empty:
        DRAWERS[draw](fmap, layer, split)


SHORT_ATTRIBUTION = "© OpenStreetMap contributors (ODbL) · Natural Earth (PD) · GeoNames (CC BY 4.0) · searoute"
LAND = "#f2efe9"  # land fill: no route hue
SEA_COLOUR = "#cfe3f0"  # the map's background is the sea
BORDER = "#7a7a7a"


def add_basemap(fmap: folium.Map, basemap: Basemap) -> None:
    """Sea as the map's background, land fills without outline, borders as lines; OpenStreetMap tiles as an option."""
    import folium

    style = f"<style>#{fmap.get_name()}{{background:{SEA_COLOUR}}}</style>"
    figure_of(fmap).header.add_child(Element(style))
    land = basemap.land.copy()
    land["name"] = land["name"].map(_text)
    folium.GeoJson(
        feature_collection(land, ("name",)),
        name="Offline basemap (countries)",
        style_function=lambda _: {"fillColor": LAND, "stroke": False, "fillOpacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        overlay=False,
        attribution=html.escape(SHORT_ATTRIBUTION),  # the attribution line at the bottom of the map
    ).add_to(fmap)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles (online)", show=False, overlay=False).add_to(fmap)
    folium.GeoJson(
        feature_collection(basemap.borders),
        name="Borders",
        style_function=lambda _: {"color": BORDER, "weight": 1, "fill": False},
        interactive=False,
        control=False,
    ).add_to(fmap)


_LABEL_CSS = """<style>
.leaflet-tooltip.corridors-label.corridors-place-label {background:transparent;border:0;box-shadow:none;
  padding:0 4px;font-weight:bold;color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff}
.leaflet-tooltip.corridors-label.corridors-country-label {background:transparent;border:0;box-shadow:none;padding:0;
  color:#555;font:12px/1 sans-serif;letter-spacing:.08em;text-transform:uppercase;
  text-shadow:0 0 3px #fff,0 0 3px #fff}
.leaflet-tooltip.corridors-label.corridors-place-label::before,
.leaflet-tooltip.corridors-label.corridors-country-label::before {display:none}
</style>"""


def add_labels(fmap: folium.Map, places: gpd.GeoDataFrame, place_ids: tuple[str, ...], countries: pd.DataFrame) -> None:
    """Static labels: each country filling enough of the view, and the map's key places (a dot and a name)."""
    import folium

    figure_of(fmap).header.add_child(Element(_LABEL_CSS))
    for row in countries.itertuples(index=False):
        MapLabel((row.lat, row.lon), _text(row.name), label_class("country")).add_to(fmap)
    from .catalogue import load_catalogue

    catalogue = load_catalogue()
    by_id = places.set_index("id")
    for place_id in place_ids:
        place = by_id.loc[place_id]
        folium.CircleMarker(
            [place.geometry.y, place.geometry.x],
            radius=3,
            color="#222222",
            fill=True,
            fill_opacity=1,
            tooltip=folium.Tooltip(
                _text(catalogue.place_label(place_id, place["name"])),
                permanent=True,
                direction="right",
                class_name=label_class("place"),
            ),
        ).add_to(fmap)
