"""Pipeline and export: analyse the layers once, render every map, write each file atomically."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._files import write_atomic

__all__ = ["MAP_NAMES", "Analysis", "analyse", "build_maps", "for_display", "map_specs", "write_atomic"]

MAP_NAMES = ("overview", "nakhchivan_access", "north_south_corridor", "astara_rasht", "historic_azerbaijan")
# Display only (see for_display): outlines simplified to at least ~300 m, coordinates snapped
# to a 0.001° grid (~100 m), which writes them with at most 3 decimals.
DISPLAY_TOLERANCE_DEG = 0.003
DISPLAY_GRID_DEG = 0.001


def canonical_html(page: str) -> str:
    """Replace folium's random element ids by ids numbered in order of appearance."""
    ids: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"_{len(ids):04d}")

    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", lambda m: rename(m)[1:], page)


ACCESS = ("Baku", "Nakhchivan")  # the comparison of the nakhchivan_access map
ACCESS_WAYS = 3  # through Armenia, through Iran, through Georgia and Turkey


def map_specs(metrics: Any, split: Any, access: Any, country_names: Mapping[str, str]) -> list[Any]:
    """What each map shows, with captions whose numbers come from the analysis.

    ``metrics`` is :func:`corridors.metrics.route_metrics` of the bundled routes, ``split``
    :func:`corridors.historic.historic_split` of the bundled ``historic_azerbaijan`` layer and
    ``access`` :func:`corridors.network.alternatives` between the two :data:`ACCESS` places;
    ``country_names`` maps ISO codes to English names.
    """
    from .render import MapSpec

    m = metrics.set_index("route_id")
    am = m.loc["zangezur", "km_by_country"].get("AM", 0.0)
    bypass = m.loc["aras_corridor", "length_km"]
    bypass_ir = m.loc["aras_corridor", "km_by_country"].get("IR", 0.0)
    south = split[(split["definition"] == "core") & (split["part"] == "south")].iloc[0]
    ways = access.head(ACCESS_WAYS)
    comparison = tuple(
        (r.sequence_text, float(r.length_km), float(r.extra_km), int(r.crossings)) for r in ways.itertuples()
    )
    through = [
        " and ".join(country_names[c] for c in dict.fromkeys(r.country_sequence) if c not in ("AZ", "sea"))
        for r in ways.itertuples()
    ]
    ways_text = ", ".join(
        f"{km:,.0f} km{f' (+{extra:,.0f})' if i else ''} through {name}"
        for i, ((_, km, extra, _), name) in enumerate(zip(comparison, through, strict=True))
    )
    return [
        MapSpec(
            "overview",
            "Transport corridors of the South Caucasus and Iran",
            f"The Zangezur route crosses {am:.1f} km of Armenia; the INSTC western route is "
            f"{m.loc['instc_west', 'length_km']:,.0f} km from Moscow to Nhava Sheva.",
            tuple(m.index),
            (36.0, 17.0, 75.0, 56.0),
            labels=("moscow", "astrakhan", "baku", "tbilisi", "nakhchivan", "tehran", "bandar_abbas", "uran"),
            historic=True,
        ),
        MapSpec(
            "nakhchivan_access",
            "Ways from mainland Azerbaijan to Nakhchivan",
            f"{ACCESS[0]} → {ACCESS[1]} by rail: {ways_text}. The Zangezur line crosses {am:.1f} km of "
            f"Armenia; the Aras bypass runs {bypass_ir:.1f} of its {bypass:.1f} km in Iran.",
            ("zangezur", "aras_corridor", "kalaleh_jolfa", "baku_tbilisi_kars", "alat_horadiz", "baku_alat"),
            (42.8, 38.3, 50.0, 41.8),
            (
                ("Through Armenia (Zangezur)", ("zangezur", "alat_horadiz", "baku_alat")),
                ("Through Iran (Aras corridor)", ("aras_corridor", "kalaleh_jolfa", "alat_horadiz", "baku_alat")),
                ("Through Georgia and Turkey", ("baku_tbilisi_kars", "zangezur")),
            ),
            labels=("baku", "horadiz", "aghband", "julfa_az", "nakhchivan", "sadarak", "kars"),
            comparison=comparison,
            comparison_title=f"{ACCESS[0]} → {ACCESS[1]}: shortest path through each set of countries",
        ),
        MapSpec(
            "north_south_corridor",
            "International North–South Transport Corridor",
            f"Western route {m.loc['instc_west', 'length_km']:,.0f} km ({m.loc['instc_west', 'sequence_text']}); "
            f"eastern route {m.loc['instc_east', 'length_km']:,.0f} km.",
            ("instc_west", "instc_trans_caspian", "instc_east"),
            (36.0, 17.0, 75.0, 56.0),
            labels=("moscow", "astrakhan", "makhachkala", "baku", "rasht", "tehran", "gorgan", "bandar_abbas", "uran"),
        ),
        MapSpec(
            "astara_rasht",
            "The Astara–Rasht missing link",
            f"Astara–Rasht: {m.loc['astara_rasht', 'length_km']:.1f} km, "
            f"{m.loc['astara_rasht', 'crossings']} border crossing (Astarachay).",
            ("astara_rasht", "qazvin_rasht"),
            (48.3, 36.0, 50.3, 38.7),
            labels=("lankaran", "astara_az", "rasht", "qazvin"),
        ),
        MapSpec(
            "historic_azerbaijan",
            "Historic Azerbaijan, divided along the Aras in 1828",
            f"The Iranian part holds {south['area_share']:.0%} of the area and "
            f"{south['population_share']:.0%} of the population (East and West Azerbaijan, Ardabil).",
            ("zangezur", "aras_corridor"),
            (43.5, 35.5, 51.0, 42.0),
            labels=("baku", "ganja", "nakhchivan", "julfa_az", "jolfa_ir", "astara_ir", "lankaran"),
            historic=True,
        ),
    ]


Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Analysis:
    """Everything the maps show, computed once from the bundled layers."""

    countries: Any
    routes: Any
    regions: Any
    places: Any
    historic: Any
    metrics: Any  # route_metrics of the bundled routes
    crossings: Any  # crossings_from_routes, with border posts and the Nakhchivan exclave
    split: Any  # historic_split
    access: Any  # alternatives between the ACCESS places
    specs: tuple[Any, ...]  # one MapSpec per map, in MAP_NAMES order


def analyse() -> Analysis:
    """Read the bundled layers and run every analysis the maps need (one country index for all)."""
    from .crossings import CountryIndex, crossings_from_routes
    from .geodesy import lengths_km
    from .historic import historic_split
    from .layers import read_layer, read_route_layers
    from .metrics import route_metrics
    from .network import CorridorNetwork, alternatives

    countries = read_layer("countries")
    routes = read_route_layers()
    regions = read_layer("nakhchivan")
    places = read_layer("places")
    historic = read_layer("historic_azerbaijan")
    index = CountryIndex.from_countries(countries)
    metrics = route_metrics(routes, index)
    crossings = crossings_from_routes(routes, index, border_posts=read_layer("border_posts"), regions=regions)
    split = historic_split(historic)
    access = alternatives(CorridorNetwork.from_layers(routes, places, index), *ACCESS)
    routes = routes.assign(length_km=lengths_km(routes.geometry.values))  # each segment's own, for its popup
    names = dict(zip(countries["iso_a2"], countries["name"], strict=True))
    specs = tuple(map_specs(metrics, split, access, names))
    return Analysis(countries, routes, regions, places, historic, metrics, crossings, split, access, specs)


def build_maps(
    out_dir: str | os.PathLike[str],
    names: Sequence[str] | None = None,
    *,
    self_contained: bool = False,
    png: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Render the named maps (all by default) into ``out_dir``; return the paths written.

    Parameters
    ----------
    out_dir
        Folder of the output: ``NAME.html`` (and ``NAME.png``) per map, each written atomically.
    names
        Maps to build, from :data:`MAP_NAMES`; all of them by default.
    self_contained
        Inline Leaflet and every plugin from the npm cache (see :mod:`corridors.assets`), so that
        the page works with no network. Otherwise the page loads them from their CDNs.
    png
        Also write a 1280×800 PNG of each map, rendered offline in headless Chromium.
    progress
        Called as ``progress(done, total, label)`` after each step.

    A map that fails does not stop the others; :class:`~corridors.errors.BuildError` names
    the failures after the others are written.
    """
    from .assets import fetch_assets, inline_assets, missing_assets
    from .errors import BuildError
    from .render import render_map

    unknown = sorted(set(names or ()) - set(MAP_NAMES))
    if unknown:
        raise BuildError(f"unknown map {', '.join(unknown)}; maps: {', '.join(MAP_NAMES)}")
    wanted = [n for n in MAP_NAMES if not names or n in names]
    if (self_contained or png) and missing_assets():
        fetch_assets()  # once, before any map, so that a registry failure is one clear error
    total = 1 + len(wanted) * (2 if png else 1)
    report = progress or (lambda done, total, label: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.part"):  # left by a build that was killed
        stale.unlink(missing_ok=True)
    data = analyse()
    report(1, total, "analysis")
    written, failed, pages = [], [], {}
    for spec in (s for s in data.specs if s.name in wanted):
        try:
            fmap = render_map(
                spec,
                countries=for_display(data.countries, spec.bounds),
                world=data.countries,
                routes=data.routes,
                metrics=data.metrics,
                crossings=data.crossings,
                regions=for_display(data.regions, spec.bounds),
                places=data.places,
                historic=for_display(data.historic, spec.bounds),
                split=data.split,
            )
            page = canonical_html(fmap.get_root().render())
            if self_contained or png:
                pages[spec.name] = inline_assets(page)
            path = out / f"{spec.name}.html"
            write_atomic(path, pages[spec.name] if self_contained else page)
            written.append(path)
        except Exception as exc:  # one failing map must not stop the others
            failed.append(f"{spec.name} ({type(exc).__name__}: {exc})")
        report(len(written) + len(failed) + 1, total, spec.name)
    if png and pages:
        done = total - len(wanted)
        written += _write_pngs(out, pages, lambda i, name: report(done + i, total, f"{name}.png"))
    if failed:
        raise BuildError(f"maps failed: {'; '.join(failed)}; written: {', '.join(p.name for p in written)}")
    return written


def for_display(layer: Any, bounds: tuple[float, float, float, float]) -> Any:
    """A layer as a map with these bounds (west, south, east, north) draws it: the analysis keeps
    full resolution.

    Clipped to the bounds widened by their own width and height on every side (room to pan),
    simplified to the larger of :data:`DISPLAY_TOLERANCE_DEG` and 1/2000 of the map's width
    (what a pixel spans at the map's zoom), coordinates snapped to :data:`DISPLAY_GRID_DEG`.
    Features left empty are dropped.
    """
    import shapely

    west, south, east, north = bounds
    width, height = east - west, north - south
    frame = shapely.box(west - width, south - height, east + width, north + height)
    tolerance = max(DISPLAY_TOLERANCE_DEG, width / 2000)
    shown = layer.copy()
    shown.geometry = shapely.set_precision(
        shapely.simplify(shapely.intersection(shown.geometry.values, frame), tolerance), DISPLAY_GRID_DEG
    )
    return shown[~shown.geometry.is_empty]


def _write_pngs(out: Path, pages: dict[str, str], step: Callable[[int, str], None]) -> list[Path]:
    from .snapshot import offline_browser, screenshot

    paths = []
    with offline_browser() as browser:
        for name, page in pages.items():
            path = out / f"{name}.png"
            write_atomic(path, screenshot(browser, page))
            paths.append(path)
            step(len(paths), name)
    return paths
