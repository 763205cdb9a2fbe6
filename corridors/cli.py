"""Command-line interface: one function per subcommand, one schema per command (see README)."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .crossings import CountryIndex

DESCRIPTION = "Map and measure the transport corridors of the South Caucasus and Iran."
ROUTE_FILES = "GeoJSON, GeoPackage, GeoParquet, FlatGeobuf or Shapefile"
MODES = ("rail", "road", "sea")

# The columns of each command, in order: the same in table, CSV, JSON and GeoJSON (README, "Commands and schemas").
COMPARE_COLUMNS = (
    "sequence_text",
    "countries",
    "length_km",
    "extra_km",
    "crossings",
    "km_by_country",
    "km_by_mode",
    "km_by_status",
    "country_sequence",
    "routes",
    "path",
)
PLACE_COLUMNS = ("id", "name", "kind", "country", "aliases", "alternate_names")
ROUTE_COLUMNS = ("route_id", "route_name", "segments", "length_km", "mode", "status", "geometry_quality")


def _map_names() -> tuple[str, ...]:
    from .catalogue import load_catalogue  # the catalogue is TOML: no heavy import for --help

    return tuple(load_catalogue().map_names)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corridors", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"corridors {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, *, fmt: bool = True, spatial: bool = False) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        if fmt:
            choices = ("table", "csv", "json", "geojson") if spatial else ("table", "csv", "json")
            command.add_argument("--format", choices=choices, default="table")
        return command

    add("layers", "List the bundled layers with feature count, geometry type and source.")
    add("places", "List the places that can be named in compare, with their other spellings.", spatial=True)
    add("routes", "List the bundled routes (ids for --route), one row per route.", spatial=True)
    for name, text in (
        ("metrics", "One row per route: lengths, km per country, crossings."),
        ("crossings", "One row per border crossing of each route."),
    ):
        command = add(name, text, spatial=True)
        command.add_argument("--route", action="append", metavar="ID", help="only this route (repeatable)")
        command.add_argument("--routes", metavar="FILE", help=f"measure the routes of this file ({ROUTE_FILES})")
        command.add_argument("--tolerance-m", type=float, default=None, help="border tolerance in metres")
    _add_compare(add("compare", "The alternatives between two places side by side.", spatial=True))
    add("historic", "The split of historic Azerbaijan (1828) by area and population.")
    validate = add("validate", f"Check a route file ({ROUTE_FILES}); exit 2 listing every problem.", fmt=False)
    validate.add_argument("file")
    _add_build(add("build", "Build the HTML maps into maps/ (or --out DIR).", fmt=False))
    drawn = add("map", "Draw your own route file on the maps' basemap, legend, crossings and metrics panel.", fmt=False)
    drawn.add_argument("file", help=f"route file ({ROUTE_FILES})")
    drawn.add_argument("--out", metavar="FILE.html", help="output page (default: FILE's name with .html)")
    drawn.add_argument("--title", help="the map's title (default: the file's name)")
    drawn.add_argument("--self-contained", action="store_true", help="inline Leaflet and its plugins (works offline)")
    drawn.add_argument("--png", action="store_true", help="also write a PNG beside the page (headless Chromium)")
    add("assets", "Download the maps' JavaScript and CSS from npm into the local cache.", fmt=False)
    return parser


def _add_compare(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("origin", help="place name in any script or place id (see `corridors places`)")
    compare.add_argument("destination")
    compare.add_argument(
        "--avoid",
        action="append",
        default=[],
        metavar="COUNTRY",
        help="a country to avoid: ISO code in any case or English name (repeatable, or comma-separated)",
    )
    compare.add_argument("--mode", action="append", choices=MODES, help="only this mode (repeatable); all by default")


def _add_build(build: argparse.ArgumentParser) -> None:
    names = _map_names()
    build.add_argument("names", nargs="*", metavar="NAME", help=f"only these maps: {', '.join(names)}")
    build.add_argument("--out", default="maps", help="output folder (default: maps)")
    build.add_argument(
        "--self-contained",
        action="store_true",
        help="inline Leaflet and its plugins (from the npm cache, filled on first use) so the maps work offline",
    )
    build.add_argument("--png", action="store_true", help="also write a PNG of each map (headless Chromium)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for bad input, never a traceback).

    An error is one line on stderr of at most :data:`MAX_LINE` characters; warnings raised on the
    way to an error are dropped (the error says what is wrong), otherwise they are shown after the run.
    """
    args = _parser().parse_args(argv)
    from .errors import CorridorsError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = _COMMANDS[args.command](args)
        except (CorridorsError, OSError) as exc:  # OSError: a folder or file the system refuses
            print(f"corridors: error: {_error_line(exc)}", file=sys.stderr)
            return 2
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):  # each once, in order
        print(f"corridors: warning: {message[:MAX_LINE]}", file=sys.stderr)
    return status


MAX_LINE = 1_000  # characters of an error line (each value from the input is cut to 200 before)


def _error_line(exc: Exception) -> str:
    from ._limits import quote

    if isinstance(exc, OSError) and exc.strerror:
        where = f"{quote(os.fsdecode(exc.filename))}: " if exc.filename is not None else ""
        message = f"{where}{exc.strerror}"
    else:
        message = str(exc)
    message = " ".join(message.split())
    return message if len(message) <= MAX_LINE else f"{message[:MAX_LINE]}… (+{len(message) - MAX_LINE:,} characters)"


def _emit(frame: pd.DataFrame, fmt: str, columns: Sequence[str] | None = None) -> None:
    from ._output import render

    sys.stdout.write(render(frame, fmt, columns=columns))


def _layers(args: argparse.Namespace) -> int:
    from .layers import layer_summary

    _emit(layer_summary(), args.format)
    return 0


def _places(args: argparse.Namespace) -> int:
    import geopandas as gpd

    from .layers import read_layer
    from .placenames import place_names

    places = read_layer("places")
    country = places["country"] if "country" in places else places["iso_a2"]
    names = place_names(places)
    frame = gpd.GeoDataFrame(
        {
            "id": places["id"],
            "name": places["name"],
            "kind": places["kind"],
            "country": country,
            "aliases": [list(n.aliases) for n in names],
            "alternate_names": [list(n.alternate_names) for n in names],
        },
        geometry=places.geometry,
        crs=4326,
    )
    _emit(frame, args.format, PLACE_COLUMNS)
    return 0


def _routes_listing(args: argparse.Namespace) -> int:
    from .layers import read_route_layers

    _emit(_route_summary(read_route_layers()), args.format, ROUTE_COLUMNS)
    return 0


def _route_summary(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per route: id, name, segment count, length, and its distinct modes, statuses and qualities."""
    import geopandas as gpd
    import shapely

    from .geodesy import lengths_km

    routes = routes.assign(length_km=lengths_km(routes.geometry.values))
    rows = []
    for route_id, group in routes.groupby("route_id", sort=False):
        row = {
            "route_id": route_id,
            "route_name": next(iter(group["route_name"].dropna()), route_id) if "route_name" in group else route_id,
            "segments": len(group),
            "length_km": float(group["length_km"].sum()),
            "geometry": shapely.multilinestrings(shapely.get_parts(group.geometry.values)),
        }
        quality = "geometry_quality" if "geometry_quality" in group else "geometry_confidence"
        for column, key in (("mode", "mode"), ("status", "status"), (quality, "geometry_quality")):
            if column in group:
                row[key] = list(dict.fromkeys(group[column]))
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _routes(args: argparse.Namespace) -> gpd.GeoDataFrame:
    from .errors import LayerNotFoundError
    from .layers import read_route_layers, read_routes

    routes = read_routes(args.routes) if args.routes is not None else read_route_layers()
    if args.route:
        unknown = sorted(set(args.route) - set(routes["route_id"]))
        if unknown:
            raise LayerNotFoundError(
                f"unknown route {', '.join(unknown)}; routes: {', '.join(dict.fromkeys(routes['route_id']))}"
            )
        routes = routes[routes["route_id"].isin(args.route)]
    return routes


@cache
def _country_index() -> CountryIndex:
    """The index of the bundled ``countries`` layer, built once per process (it takes seconds)."""
    from .crossings import CountryIndex
    from .layers import read_layer

    return CountryIndex.from_countries(read_layer("countries"))


def _tolerance(args: argparse.Namespace) -> dict[str, float]:
    return {} if args.tolerance_m is None else {"tolerance_m": args.tolerance_m}


def _metrics(args: argparse.Namespace) -> int:
    from .layers import read_layer
    from .metrics import route_metrics

    routes = _routes(args)
    frame = route_metrics(routes, _country_index(), places=read_layer("places"), **_tolerance(args))
    if args.format == "geojson":
        lines = _route_summary(routes)[["route_id", "geometry"]]
        frame = lines.merge(frame, on="route_id")[["geometry", *frame.columns]]
    _emit(frame, args.format)
    return 0


def _crossings(args: argparse.Namespace) -> int:
    from .crossings import crossings_from_routes
    from .layers import read_layer

    frame = crossings_from_routes(
        _routes(args),
        _country_index(),
        border_posts=read_layer("border_posts"),
        regions=read_layer("nakhchivan"),
        **_tolerance(args),
    )
    _emit(frame, args.format)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .layers import read_layer, read_route_layers
    from .network import CorridorNetwork, alternatives

    countries = read_layer("countries")
    names = dict(zip(countries["iso_a2"], countries["name"], strict=True))
    network = CorridorNetwork.from_layers(
        read_route_layers(), read_layer("places"), _country_index(), country_names=names
    )
    avoid = tuple(part.strip() for value in args.avoid for part in value.split(","))  # an empty part is an error
    modes = tuple(args.mode) if args.mode else None
    frame = alternatives(network, args.origin, args.destination, avoid=avoid, modes=modes)
    _emit(frame, args.format, COMPARE_COLUMNS)
    return 0


def _historic(args: argparse.Namespace) -> int:
    from .historic import historic_split
    from .layers import read_layer

    _emit(historic_split(read_layer("historic_azerbaijan")), args.format)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .layers import read_routes

    frame = read_routes(args.file)
    print(f"{args.file}: {len(frame)} valid route features")
    return 0


def _progress_bar(done: int, total: int, label: str) -> None:
    """Progress on stderr: a bar redrawn in place on a terminal, one line per step otherwise."""
    width = 24
    filled = width * done // total
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}"
    if sys.stderr.isatty():
        print(f"\r{line:<70}", end="\n" if done == total else "", file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)


def _build(args: argparse.Namespace) -> int:
    from ._limits import quote
    from .errors import BuildError
    from .pipeline import build_maps

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise BuildError(f"--out {quote(args.out)} is a file, not a folder")
    paths = build_maps(
        args.out,
        args.names or None,
        self_contained=args.self_contained,
        png=args.png,
        progress=None if args.quiet else _progress_bar,
    )
    for path in paths:
        print(f"wrote {path}")
    return 0


def _map(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .pipeline import map_from_routes, save_map

    out = Path(args.out) if args.out else Path(Path(args.file).name).with_suffix(".html")
    fmap = map_from_routes(args.file, title=args.title)
    for path in save_map(fmap, out, self_contained=args.self_contained, png=args.png):
        print(f"wrote {path}")
    return 0


def _assets(args: argparse.Namespace) -> int:
    from .assets import fetch_assets

    for path in fetch_assets(report=print):
        print(f"cached {path}")
    return 0


_COMMANDS = {
    "layers": _layers,
    "places": _places,
    "routes": _routes_listing,
    "metrics": _metrics,
    "crossings": _crossings,
    "compare": _compare,
    "historic": _historic,
    "validate": _validate,
    "build": _build,
    "map": _map,
    "assets": _assets,
}
