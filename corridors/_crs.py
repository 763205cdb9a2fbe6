"""Coordinate checks shared by the analysis and the loaders: WGS84 lon/lat, in that order."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .errors import LonLatSwapWarning, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

__all__ = ["DETAILED_REGION", "to_wgs84", "warn_if_lon_lat_swapped"]

# West, south, east, north (degrees) of the detailed region: Armenia, Azerbaijan, Georgia and Iran,
# the countries drawn from OpenStreetMap (their bounding boxes, rounded outwards to the degree).
DETAILED_REGION = (40.0, 25.0, 64.0, 44.0)


def to_wgs84(frame: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:4326 (reprojected from any declared CRS; unchanged if already so).

    Parameters
    ----------
    frame
        Any GeoDataFrame.
    source
        How to name the input in an error (e.g. ``"<routes>"`` or a file name).

    Raises
    ------
    ValidationError
        If ``frame`` declares no CRS.
    """
    if frame.crs is None:
        raise ValidationError(source, ["file: the GeoDataFrame has no CRS; set one with set_crs()"])
    return frame if frame.crs.equals("EPSG:4326") else frame.to_crs(4326)


def lon_lat_swapped(geometries: np.ndarray) -> np.ndarray:
    """Whether each geometry lies outside :data:`DETAILED_REGION` but inside it with lon and lat swapped."""
    import numpy as np
    import shapely

    bounds = shapely.bounds(np.asarray(geometries, dtype=object))
    west, south, east, north = DETAILED_REGION
    inside = (bounds[:, 0] >= west) & (bounds[:, 2] <= east) & (bounds[:, 1] >= south) & (bounds[:, 3] <= north)
    swapped = (bounds[:, 1] >= west) & (bounds[:, 3] <= east) & (bounds[:, 0] >= south) & (bounds[:, 2] <= north)
    return ~inside & swapped


LON_LAT_CHECKED = "corridors_lon_lat_checked"  # a frame's attrs key: one warning per frame, not one per step


def warn_if_lon_lat_swapped(routes: gpd.GeoDataFrame, source: str, *, mark: bool = False) -> list[str]:
    """Warn (:class:`~corridors.errors.LonLatSwapWarning`) about routes whose lon and lat look swapped.

    A route is suspect when it lies wholly outside :data:`DETAILED_REGION` but wholly inside it
    once each coordinate pair is read the other way round. A frame marked as checked (``mark``, in
    its ``attrs``, which selections of it keep) is not checked again, so reading a file and then
    measuring it warns once.

    Parameters
    ----------
    routes
        Lines in EPSG:4326, with ``route_id`` (else their positions name them).
    source
        How to name the input in the warning.
    mark
        Mark ``routes`` as checked (only for a frame the caller made itself: inputs are not mutated).

    Returns
    -------
    list of str
        The ``route_id`` of each suspect route (empty: nothing to warn about).
    """
    import numpy as np

    if routes.attrs.get(LON_LAT_CHECKED):  # already checked (and warned about) when the file was read
        return []
    if mark:
        routes.attrs[LON_LAT_CHECKED] = True
    suspect = lon_lat_swapped(routes.geometry.values)
    if not suspect.any():
        return []
    keys = routes["route_id"].astype(str).to_numpy() if "route_id" in routes else np.arange(len(routes)).astype(str)
    ids = list(dict.fromkeys(keys[suspect].tolist()))
    shown = ", ".join(repr(i) for i in ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    warnings.warn(
        f"{source}: lon/lat swapped? route {shown} lies outside the region {DETAILED_REGION} (west, south, "
        "east, north) but inside it with each position read as (lat, lon); GeoJSON order is [longitude, latitude]",
        LonLatSwapWarning,
        stacklevel=2,
    )
    return ids
