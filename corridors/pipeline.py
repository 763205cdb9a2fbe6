"""Build pipeline: analyse the layers once, render every map of the catalogue, write each file atomically."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._files import remove_own_temporaries, write_atomic
from .catalogue import Catalogue, Comparison, load_catalogue
from .display import basemap_for_display, country_labels, for_display, lines_for_display
from .errors import BuildError, CatalogueError, LayerNotFoundError
from .specs import MapSpec, map_specs

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

    from .country_index import CountryIndex
    from .network import CorridorNetwork
    from .render import MapLayers

__all__ = [
    "MAP_NAMES",
    "Analysis",
    "analyse",
    "build_maps",
    "measure_routes",
    "canonical_html",
    "compare_ways",
    "for_display",
    "map_from_routes",
    "map_layers",
    "save_map",
    "write_atomic",
]

MAP_NAMES = load_catalogue().map_names


def canonical_html(page: str) -> str:
    """Replace folium's random element ids by ids numbered in order of appearance."""
    ids: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"_{len(ids):04d}")

    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", lambda m: rename(m)[1:], page)


Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Analysis:
    """Everything the maps show, computed once from the bundled layers."""

    countries: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    layers: Mapping[str, gpd.GeoDataFrame]  # every layer the catalogue names, by name
    metrics: pd.DataFrame  # route_metrics of the bundled routes
    crossings: pd.DataFrame  # crossings_from_routes, with border posts and the Nakhchivan exclave
    split: pd.DataFrame  # historic_split
    comparisons: Mapping[str, pd.DataFrame]  # alternatives, per map with a comparison
    network: CorridorNetwork | None  # the network the comparisons ran on (None when no map compares)
    specs: tuple[MapSpec, ...]  # one per map, in MAP_NAMES order

    @property
    def regions(self) -> gpd.GeoDataFrame:
        """The Nakhchivan exclave layer."""
        return self.layers["nakhchivan"]

    @property
    def historic(self) -> gpd.GeoDataFrame:
        """The historic Azerbaijan layer."""
        return self.layers["historic_azerbaijan"]

    @property
    def access(self) -> pd.DataFrame:
        """The alternatives of the nakhchivan_access map."""
        return self.comparisons["nakhchivan_access"]


def read_catalogue_layers(catalogue: Catalogue) -> dict[str, gpd.GeoDataFrame]:
    """Read every layer the catalogue names; a layer missing from the data is a :class:`CatalogueError`."""
    from .layers import list_layers, read_layer

    wanted = dict.fromkeys([*catalogue.basemap_layers, *(n for m in catalogue.maps.values() for n in m.layers)])
    missing = [name for name in wanted if name not in list_layers()]
    if missing:
        users = {n: [m.name for m in catalogue.maps.values() if n in m.layers] or ["basemap"] for n in missing}
        raise CatalogueError(
            "the catalogue names layers the data does not have: "
            + "; ".join(f"{n} (on {', '.join(users[n])})" for n in missing)
            + f"; layers: {', '.join(list_layers())}"
        )
    try:
        return {name: read_layer(name) for name in wanted}
    except LayerNotFoundError as exc:
        raise CatalogueError(str(exc)) from None


def compare_ways(network: CorridorNetwork, compare: Comparison) -> pd.DataFrame:
    """The ways a map compares: its constrained ways (each the shortest under its modes and
    avoided countries), else the network's alternatives; ``extra_km`` over the shortest shown."""
    import pandas as pd

    from .network import alternatives, shortest_route

    if not compare.constrained:
        return alternatives(network, compare.origin, compare.destination)
    rows = [
        shortest_route(network, compare.origin, compare.destination, modes=way.modes or None, avoid=way.avoid)
        for way in compare.constrained
    ]
    ways = pd.DataFrame(rows)
    ways["sequence_text"] = ways["country_sequence"].map(" → ".join)
    ways["extra_km"] = ways["length_km"] - ways["length_km"].min()
    return ways


def measure_routes(
    routes: gpd.GeoDataFrame, index: CountryIndex, places: gpd.GeoDataFrame, regions: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """What a map draws of its routes: the routes with each feature's own ``length_km`` (for its popup),
    :func:`corridors.metrics.route_metrics` and the land crossings (border posts, arrival in ``regions``)."""
    from .crossings import crossings_from_routes
    from .geodesy import lengths_km
    from .layers import read_layer
    from .metrics import route_metrics

    metrics = route_metrics(routes, index, places=places)
    crossings = crossings_from_routes(routes, index, border_posts=read_layer("border_posts"), regions=regions)
    return routes.assign(length_km=lengths_km(routes.geometry.values)), metrics, crossings


def analyse(catalogue: Catalogue | None = None) -> Analysis:
    """Read the bundled layers and run every analysis the maps need (one country index for all)."""
    from .country_index import CountryIndex
    from .historic import historic_split
    from .layers import read_layer, read_route_layers
    from .network import CorridorNetwork

    catalogue = catalogue or load_catalogue()
    layers = read_catalogue_layers(catalogue)
    layers.setdefault("nakhchivan", read_layer("nakhchivan"))  # the exclave of the crossings
    layers.setdefault("historic_azerbaijan", read_layer("historic_azerbaijan"))
    countries = layers.get("countries", read_layer("countries"))
    routes = read_route_layers()
    places = read_layer("places")
    index = CountryIndex.from_countries(countries)
    shown, metrics, crossings = measure_routes(routes, index, places, layers["nakhchivan"])
    split = historic_split(layers["historic_azerbaijan"])
    compared = [m for m in catalogue.maps.values() if m.compare is not None]
    network = CorridorNetwork.from_layers(routes, places, index) if compared else None
    comparisons = {
        m.name: compare_ways(network, m.compare) for m in compared if network is not None and m.compare is not None
    }
    specs = map_specs(
        catalogue,
        metrics=metrics,
        routes=shown,
        crossings=crossings,
        split=split,
        historic=layers["historic_azerbaijan"],
        comparisons=comparisons,
        network=network,
        country_names=dict(zip(countries["iso_a2"], countries["name"], strict=True)),
    )
    return Analysis(countries, shown, places, layers, metrics, crossings, split, comparisons, network, tuple(specs))


def map_layers(
    spec: MapSpec,
    *,
    countries: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    metrics: pd.DataFrame,
    crossings: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    split: pd.DataFrame | None,
) -> MapLayers:
    """Everything :func:`corridors.render.render_map` draws for ``spec``, clipped and simplified for its bounds."""
    from .render import MapLayers

    shown = {name: for_display(layer, spec.bounds) for name, layer in layers.items() if name != "countries"}
    if "capitals" in shown:  # a capital that is one of the map's own places is labelled once, as the place
        own = set(places.loc[places["id"].isin(spec.place_ids), "name"])
        shown["capitals"] = shown["capitals"][~shown["capitals"]["name"].isin(own)]
    return MapLayers(
        basemap=basemap_for_display(countries, spec.bounds),
        country_labels=country_labels(countries, spec.bounds),
        world=countries,
        routes=lines_for_display(routes, spec.bounds),
        metrics=metrics,
        crossings=crossings,
        places=places,
        layers=shown,
        split=split,
    )


def layers_of(data: Analysis, spec: MapSpec, catalogue: Catalogue) -> MapLayers:
    """What :func:`corridors.render.render_map` draws for one of the bundled maps (see :func:`map_layers`)."""
    return map_layers(
        spec,
        countries=data.countries,
        routes=data.routes,
        places=data.places,
        metrics=data.metrics,
        crossings=data.crossings,
        layers={n: data.layers[n] for n in (*catalogue.basemap_layers, *spec.layers)},
        split=data.split,
    )


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
    remove_own_temporaries(out)  # left by a build that was killed
    catalogue = load_catalogue()
    data = analyse(catalogue)
    report(1, total, "analysis")
    written, failed, pages = [], [], {}
    for spec in (s for s in data.specs if s.name in wanted):
        try:
            fmap = render_map(spec, layers_of(data, spec, catalogue))
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


USER_MAP_MARGIN = 0.1  # a user's map shows its routes' bounds widened by a tenth on every side
USER_MAP_MIN_DEG = 0.5  # and at least half a degree (~50 km) across


def map_from_routes(routes: gpd.GeoDataFrame | str | os.PathLike[str], *, title: str | None = None) -> folium.Map:
    """Your own routes on a map: the same basemap, legend, crossings and metrics panel as the bundled maps.

    Parameters
    ----------
    routes
        A GeoDataFrame with a CRS, or the path of a route file (any format :func:`corridors.layers.read_routes` reads).
        Geometry-only features and MultiLineStrings are accepted.
    title
        The map's title; the file's name (or "Routes") by default.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` (or ``fmap.save``).
    """
    import shapely

    from .country_index import CountryIndex
    from .layers import read_layer, read_routes
    from .render import render_map
    from .specs import fill_template, modes_text, status_as_of_text

    is_path = isinstance(routes, (str, os.PathLike))
    frame = read_routes(routes)
    catalogue = load_catalogue()
    countries = read_layer("countries")
    index = CountryIndex.from_countries(countries)
    places = read_layer("places")
    frame, metrics, crossings = measure_routes(frame, index, places, read_layer("nakhchivan"))
    west, south, east, north = shapely.total_bounds(frame.geometry.values)
    pad_x = max((east - west) * USER_MAP_MARGIN, (USER_MAP_MIN_DEG - (east - west)) / 2)
    pad_y = max((north - south) * USER_MAP_MARGIN, (USER_MAP_MIN_DEG - (north - south)) / 2)
    bounds = (max(west - pad_x, -180.0), max(south - pad_y, -85.0), min(east + pad_x, 180.0), min(north + pad_y, 85.0))
    context = {
        "count": metrics["route_id"].nunique(),
        "modes": modes_text(list(frame["mode"]) if "mode" in frame else [None]),
        "length_km": float(metrics["length_km"].sum()),
        "crossings": int(metrics["crossings"].sum()),
        "as_of": status_as_of_text(frame),
    }
    name = Path(routes).name if is_path else "Routes"
    spec = MapSpec(
        "routes",
        title or name,
        fill_template(catalogue.user_caption, context, "user map"),
        tuple(dict.fromkeys(str(r) for r in frame["route_id"])),
        bounds,
        status_as_of=str(context["as_of"]),
    )
    basemap = read_catalogue_layers(catalogue)
    layers = {n: basemap[n] for n in catalogue.basemap_layers}
    data = map_layers(
        spec,
        countries=countries,
        routes=frame,
        places=places,
        metrics=metrics,
        crossings=crossings,
        layers=layers,
        split=None,
    )
    return render_map(spec, data)


def save_map(
    fmap: folium.Map, path: str | os.PathLike[str], *, self_contained: bool = False, png: bool = False
) -> list[Path]:
    """Write a map as HTML (ids canonical: byte-identical for the same input), and a PNG beside it if asked.

    ``self_contained`` inlines Leaflet and the plugins (see :mod:`corridors.assets`); ``png``
    also writes ``PATH`` with the suffix ``.png`` (headless Chromium, offline). Returns the paths written.
    """
    from .assets import fetch_assets, inline_assets, missing_assets

    out = Path(path)
    if (self_contained or png) and missing_assets():
        fetch_assets()
    page = canonical_html(fmap.get_root().render())
    inlined = inline_assets(page) if self_contained or png else page
    write_atomic(out, inlined if self_contained else page)
    written = [out]
    if png:
        written += _write_pngs(out.parent, {out.stem: inlined}, lambda i, name: None)
    return written


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
