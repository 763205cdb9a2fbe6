"""The 1828 division of historic Azerbaijan: areas, populations and shares of each part."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .geodesy import area_km2

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFINITIONS", "historic_split"]

DEFINITIONS = {
    "core": ("core",),
    "with_zanjan": ("core", "with_zanjan"),
}


def historic_split(parts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area (geodesic km²) and population of the northern and southern parts, per definition.

    Parameters
    ----------
    parts
        The ``historic_azerbaijan`` layer: ``part`` (north/south), ``definition`` (core or
        with_zanjan, the features added by that variant), ``population``, geometry.

    Returns
    -------
    pandas.DataFrame
        One row per definition and part: ``definition``, ``part``, ``area_km2``, ``population``,
        ``area_share`` and ``population_share`` (0–1), and ``south_two_thirds`` — whether the
        southern (Iranian) part holds at least two-thirds of both area and population.
    """
    frame = parts.copy()
    frame["area_km2"] = [area_km2(g) for g in frame.geometry]
    rows = []
    for definition, included in DEFINITIONS.items():
        chosen = frame[frame["definition"].isin(included)]
        sums = chosen.groupby("part")[["area_km2", "population"]].sum()
        for part in ("north", "south"):
            rows.append(
                {
                    "definition": definition,
                    "part": part,
                    "area_km2": float(sums.loc[part, "area_km2"]),
                    "population": int(sums.loc[part, "population"]),
                    "area_share": float(sums.loc[part, "area_km2"] / sums["area_km2"].sum()),
                    "population_share": float(sums.loc[part, "population"] / sums["population"].sum()),
                }
            )
    out = pd.DataFrame(rows)
    south = out[out["part"] == "south"].set_index("definition")
    two_thirds = (south["area_share"] >= 2 / 3) & (south["population_share"] >= 2 / 3)
    out["south_two_thirds"] = out["definition"].map(two_thirds)
    return out
