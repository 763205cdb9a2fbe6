"""Pipeline and export: analyse the layers once, render every map, write each file atomically."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["MAP_NAMES", "build_maps", "write_atomic"]

MAP_NAMES = ("overview", "nakhchivan_access", "north_south_corridor", "astara_rasht", "historic_azerbaijan")
DISPLAY_TOLERANCE_DEG = 0.003  # ~300 m: simplification of the basemap for display only


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def canonical_html(page: str) -> str:
    """Replace folium's random element ids by ids numbered in order of appearance."""
    ids: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"_{len(ids):04d}")

    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", lambda m: rename(m)[1:], page)


def _specs(metrics: Any, split: Any) -> list[Any]:
    from .render import MapSpec

    m = metrics.set_index("route_id")
    am = m.loc["zangezur", "km_by_country"].get("AM", 0.0)
    bypass = m.loc["aras_corridor", "length_km"]
    bypass_ir = m.loc["aras_corridor", "km_by_country"].get("IR", 0.0)
    south = split[(split["definition"] == "core") & (split["part"] == "south")].iloc[0]
    return [
        MapSpec(
            "overview",
            "Transport corridors of the South Caucasus and Iran",
            f"The Zangezur route crosses {am:.1f} km of Armenia; the INSTC western route is "
            f"{m.loc['instc_west', 'length_km']:,.0f} km from Moscow to Nhava Sheva.",
            tuple(m.index),
            (36.0, 17.0, 75.0, 56.0),
        ),
        MapSpec(
            "nakhchivan_access",
            "Ways from mainland Azerbaijan to Nakhchivan",
            f"Through Armenia's Meghri strip the Zangezur line runs {am:.1f} km in Armenia; "
            f"the Aras corridor bypass runs {bypass:.1f} km, {bypass_ir:.1f} km of it in Iran.",
            ("zangezur", "aras_corridor", "kalaleh_jolfa", "baku_tbilisi_kars", "alat_horadiz", "baku_alat"),
            (42.8, 38.3, 50.0, 41.8),
            (
                ("Through Armenia (Zangezur)", ("zangezur", "alat_horadiz", "baku_alat")),
                ("Through Iran (Aras corridor)", ("aras_corridor", "kalaleh_jolfa", "alat_horadiz", "baku_alat")),
                ("Through Georgia and Turkey", ("baku_tbilisi_kars", "zangezur")),
            ),
        ),
        MapSpec(
            "north_south_corridor",
            "International North–South Transport Corridor",
            f"Western route {m.loc['instc_west', 'length_km']:,.0f} km ({m.loc['instc_west', 'sequence_text']}); "
            f"eastern route {m.loc['instc_east', 'length_km']:,.0f} km.",
            ("instc_west", "instc_trans_caspian", "instc_east"),
            (36.0, 17.0, 75.0, 56.0),
        ),
        MapSpec(
            "astara_rasht",
            "The Astara–Rasht missing link",
            f"Astara–Rasht: {m.loc['astara_rasht', 'length_km']:.1f} km, "
            f"{m.loc['astara_rasht', 'crossings']} border crossing (Astarachay).",
            ("astara_rasht", "qazvin_rasht"),
            (48.3, 36.0, 50.3, 38.7),
        ),
        MapSpec(
            "historic_azerbaijan",
            "Historic Azerbaijan, divided along the Aras in 1828",
            f"The Iranian part holds {south['area_share']:.0%} of the area and "
            f"{south['population_share']:.0%} of the population (East and West Azerbaijan, Ardabil).",
            ("zangezur", "aras_corridor"),
            (43.5, 35.5, 51.0, 42.0),
        ),
    ]


def build_maps(out_dir: str | os.PathLike[str], names: Sequence[str] | None = None) -> list[Path]:
    """Render the named maps (all by default) into ``out_dir`` as HTML; return the paths written.

    A map that fails does not stop the others; :class:`~corridors.errors.BuildError` names
    the failures after the others are written.
    """
    from .crossings import CountryIndex, crossings_from_routes
    from .errors import BuildError
    from .historic import historic_split
    from .layers import read_layer, read_route_layers
    from .metrics import route_metrics
    from .render import render_map

    unknown = sorted(set(names or ()) - set(MAP_NAMES))
    if unknown:
        raise BuildError(f"unknown map {', '.join(unknown)}; maps: {', '.join(MAP_NAMES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.part"):  # left by a build that was killed
        stale.unlink(missing_ok=True)
    countries = read_layer("countries")
    routes = read_route_layers()
    regions = read_layer("nakhchivan")
    index = CountryIndex.from_countries(countries)  # built once for both analyses
    metrics = route_metrics(routes, index)
    crossings = crossings_from_routes(routes, index, border_posts=read_layer("border_posts"), regions=regions)
    display = countries.copy()
    display.geometry = display.geometry.simplify(DISPLAY_TOLERANCE_DEG)
    written, failed = [], []
    for spec in _specs(metrics, historic_split(read_layer("historic_azerbaijan"))):
        if names and spec.name not in names:
            continue
        try:
            fmap = render_map(
                spec,
                countries=display,
                routes=routes,
                metrics=metrics,
                crossings=crossings,
                regions=regions,
            )
            page = canonical_html(fmap.get_root().render())
            path = out / f"{spec.name}.html"
            write_atomic(path, page)
            written.append(path)
        except Exception as exc:  # one failing map must not stop the others
            failed.append(f"{spec.name} ({type(exc).__name__}: {exc})")
    if failed:
        raise BuildError(f"maps failed: {'; '.join(failed)}; written: {', '.join(p.name for p in written)}")
    return written
