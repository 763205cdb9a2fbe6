"""Display geometry: layers clipped and simplified the way a map of given bounds draws them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Basemap", "basemap_for_display", "country_labels", "for_display", "lines_for_display"]

# Display only (see for_display): outlines simplified to at least ~300 m, coordinates snapped
# to a 0.001° grid (~100 m), which writes them with at most 3 decimals.
DISPLAY_TOLERANCE_DEG = 0.003
DISPLAY_GRID_DEG = 0.001
# Beyond the detailed frame the land is drawn coarsely out to this many map widths on every side:
# two and a half zoom-outs (each doubles the view) still show land, not the edge of a clip.
SURROUNDING_WIDTHS = 3.0
SURROUNDING_PIXELS = 150  # coarse land: simplified to 1/150 of the map's width (seen zoomed out)
DETAIL_PIXELS = 1000  # detailed land: simplified to 1/1000 of the map's width (about a pixel of the map)


def display_grid(tolerance: float) -> float:
    """The coarsest power-of-ten grid, at least :data:`DISPLAY_GRID_DEG`, under a third of ``tolerance``:
    snapping to it moves nothing visibly and writes fewer decimals."""
    grid = DISPLAY_GRID_DEG
    while grid * 10 <= tolerance / 3:
        grid *= 10
    return grid


LABEL_MIN_SHARE = 0.02  # a country is labelled when it fills at least 2% of the map's extent


def _frame(bounds: tuple[float, float, float, float], widths: float) -> tuple[float, float, float, float]:
    """The bounds widened by ``widths`` times their width and height on every side (within the globe)."""
    west, south, east, north = bounds
    width, height = east - west, north - south
    return (
        max(west - widths * width, -180.0),
        max(south - widths * height, -90.0),
        min(east + widths * width, 180.0),
        min(north + widths * height, 90.0),
    )


def _bands(outer: tuple[float, float, float, float], inner: tuple[float, float, float, float]) -> list[tuple]:
    """The frame between two boxes as four rectangles: top, bottom, left, right."""
    ow, os_, oe, on = outer
    iw, is_, ie, in_ = inner
    bands = [(ow, in_, oe, on), (ow, os_, oe, is_), (ow, is_, iw, in_), (ie, is_, oe, in_)]
    return [b for b in bands if b[0] < b[2] and b[1] < b[3]]  # none where the inner frame meets the globe's edge


def for_display(layer: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """A layer as a map with these bounds (west, south, east, north) draws it: the analysis keeps
    full resolution.

    Clipped to the bounds widened by their own width and height on every side (room to pan),
    simplified to the larger of :data:`DISPLAY_TOLERANCE_DEG` and 1/2000 of the map's width
    (what a pixel spans at the map's zoom), coordinates snapped to :data:`DISPLAY_GRID_DEG`.
    Features left empty are dropped.
    """
    west, _, east, _ = bounds
    tolerance = max(DISPLAY_TOLERANCE_DEG, (east - west) / 2000)
    shown = layer.copy()
    shown.geometry = shapely.set_precision(
        shapely.simplify(shapely.clip_by_rect(shown.geometry.values, *_frame(bounds, 1.0)), tolerance),
        DISPLAY_GRID_DEG,
    )
    return shown[~shown.geometry.is_empty]


ROUTE_PIXELS = 20_000  # route lines: simplified to 1/20,000 of the map's width (stay true zoomed in 4 levels)
ROUTE_GRID_DEG = 0.00001  # and written with 5 decimals (~1 m)


def lines_for_display(lines: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Route lines as a map with these bounds draws them: simplified to 1/:data:`ROUTE_PIXELS` of its width
    and snapped to :data:`ROUTE_GRID_DEG`. Only the geometry changes: lengths and every other column were
    measured by the analysis on the full lines."""
    west, _, east, _ = bounds
    shown = lines.copy()
    simple = shapely.simplify(shown.geometry.values, (east - west) / ROUTE_PIXELS, preserve_topology=True)
    shown.geometry = shapely.set_precision(simple, ROUTE_GRID_DEG)
    return shown[~shown.geometry.is_empty]


@dataclass(frozen=True)
class Basemap:
    """The land of one map: fills without outline (detailed inside the frame, coarse around it) and borders as lines.

    Outlines are drawn from the polygons' boundaries cut by the frame, so no edge of a clip is
    ever stroked, and the coarse land around the frame keeps one zoom-out (and three) from
    showing a rectangle of sea.
    """

    land: gpd.GeoDataFrame  # polygons: iso_a2, name
    borders: gpd.GeoDataFrame  # lines: iso_a2


def basemap_for_display(countries: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]) -> Basemap:
    """The countries as the map of ``bounds`` draws them (see :class:`Basemap`)."""
    import geopandas as gpd

    west, _, east, _ = bounds
    detail_tol = max(DISPLAY_TOLERANCE_DEG, (east - west) / DETAIL_PIXELS)
    coarse_tol = max(DISPLAY_TOLERANCE_DEG, (east - west) / SURROUNDING_PIXELS)
    inner, outer = _frame(bounds, 1.0), _frame(bounds, SURROUNDING_WIDTHS)
    geoms = countries.geometry.values
    near = shapely.intersects(geoms, shapely.box(*outer))
    geoms, attrs = geoms[near], countries.loc[near, ["iso_a2", "name"]].reset_index(drop=True)

    def snap(values: np.ndarray, tolerance: float) -> np.ndarray:
        # Plain Douglas–Peucker: a fill has no outline to show a sliver, and it is 5x faster.
        simple = shapely.simplify(values, tolerance, preserve_topology=False)
        return shapely.set_precision(simple, display_grid(tolerance))

    bands = _bands(outer, inner)

    def around(values: np.ndarray) -> np.ndarray:
        """Coarse, between the inner and outer frames: per band, one geometry per feature."""
        coarse = snap(shapely.clip_by_rect(values, *outer), coarse_tol)
        return np.concatenate([shapely.clip_by_rect(coarse, *band) for band in bands])

    # Rectangle clipping (clip_by_rect) is exact for display and far cheaper than a general intersection.
    detailed_fill = snap(shapely.clip_by_rect(geoms, *inner), detail_tol)
    coarse_fill = around(geoms)
    outlines = shapely.boundary(geoms)
    detailed_lines = snap(shapely.clip_by_rect(outlines, *inner), detail_tol)
    coarse_lines = around(outlines)
    copies = 1 + len(bands)
    land = gpd.GeoDataFrame(
        pd.concat([attrs] * copies, ignore_index=True), geometry=np.concatenate([detailed_fill, coarse_fill]), crs=4326
    )
    borders = gpd.GeoDataFrame(
        pd.concat([attrs[["iso_a2"]]] * copies, ignore_index=True),
        geometry=np.concatenate([detailed_lines, coarse_lines]),
        crs=4326,
    )
    keep_land = ~land.geometry.is_empty & land.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    keep_lines = ~borders.geometry.is_empty
    return Basemap(land[keep_land].reset_index(drop=True), borders[keep_lines].reset_index(drop=True))


def country_labels(countries: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    """Where each country that fills enough of the map is labelled: ``name``, ``lon``, ``lat``.

    The label sits inside the largest part of the country within the bounds, shrunk by a tenth
    of the map on every side so that labels stay clear of the edges.
    """
    west, south, east, north = bounds
    box = shapely.box(west, south, east, north)
    inset = shapely.box(
        west + (east - west) / 10, south + (north - south) / 10, east - (east - west) / 10, north - (north - south) / 10
    )
    rows = []
    for name, geom in zip(countries["name"], countries.geometry.values, strict=True):
        in_view = shapely.clip_by_rect(geom, west, south, east, north)
        if shapely.is_empty(in_view) or shapely.area(in_view) < LABEL_MIN_SHARE * box.area:
            continue
        # Simplified to 1/500 of the map: a label's place needs no finer outline.
        inside = shapely.simplify(shapely.clip_by_rect(in_view, *inset.bounds), (east - west) / 500)
        if shapely.is_empty(inside):
            continue
        parts = shapely.get_parts(inside)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        if largest.geom_type != "Polygon":
            continue
        # The pole of inaccessibility: the point inside farthest from the edges, to ~1/200 of the map.
        point = shapely.get_point(shapely.maximum_inscribed_circle(largest, (east - west) / 200), 0)
        rows.append({"name": str(name), "lon": round(point.x, 3), "lat": round(point.y, 3)})
    return pd.DataFrame(rows, columns=["name", "lon", "lat"])
