"""Command-line interface: ``corridors layers|metrics|crossings|compare|historic|validate|build|assets``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

DESCRIPTION = "Map and measure the transport corridors of the South Caucasus and Iran."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corridors", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, *, fmt: bool = True) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        if fmt:
            command.add_argument("--format", choices=("table", "csv", "json"), default="table")
        return command

    add("layers", "List the bundled layers with feature count, geometry type and source.")
    for name, text in (
        ("metrics", "One row per route: lengths, km per country, crossings."),
        ("crossings", "One row per border crossing of each route."),
    ):
        command = add(name, text)
        command.add_argument("--route", action="append", metavar="ID", help="only this route (repeatable)")
        command.add_argument("--routes", metavar="FILE", help="measure the routes of this GeoJSON file instead")
        command.add_argument("--tolerance-m", type=float, default=None, help="border tolerance in metres")
    compare = add("compare", "The alternatives between two places side by side.")
    compare.add_argument("origin")
    compare.add_argument("destination")
    compare.add_argument("--avoid", nargs="*", default=[], metavar="ISO", help="countries to avoid")
    add("historic", "The split of historic Azerbaijan (1828) by area and population.")
    validate = add("validate", "Check a GeoJSON route file; exit 2 listing every problem.", fmt=False)
    validate.add_argument("file")
    build = add("build", "Build the HTML maps into maps/ (or --out DIR).", fmt=False)
    build.add_argument("names", nargs="*", metavar="NAME", help="only these maps")
    build.add_argument("--out", default="maps", help="output folder (default: maps)")
    build.add_argument(
        "--self-contained",
        action="store_true",
        help="inline Leaflet and its plugins (from the npm cache, filled on first use) so the maps work offline",
    )
    build.add_argument("--png", action="store_true", help="also write a PNG of each map (headless Chromium)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    add("assets", "Download the maps' JavaScript and CSS from npm into the local cache.", fmt=False)
    return parser


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
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
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


def _emit(frame: Any, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(_records(frame), ensure_ascii=False, indent=2, sort_keys=False))
    elif fmt == "csv":
        flat = frame.copy()
        for column in flat.columns:
            if flat[column].map(lambda v: isinstance(v, (dict, list))).any():
                flat[column] = flat[column].map(lambda v: json.dumps(v, ensure_ascii=False))
        sys.stdout.write(flat.to_csv(index=False))
    else:
        import pandas as pd

        with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
            print(frame.to_string(index=False))


def _records(frame: Any) -> list[dict[str, Any]]:
    import math

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, 6)
        return value

    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _layers(args: argparse.Namespace) -> int:
    from .layers import layer_summary

    _emit(layer_summary(), args.format)
    return 0


def _routes(args: argparse.Namespace) -> Any:
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


def _tolerance(args: argparse.Namespace) -> dict[str, float]:
    return {} if args.tolerance_m is None else {"tolerance_m": args.tolerance_m}


def _metrics(args: argparse.Namespace) -> int:
    from .layers import read_layer
    from .metrics import route_metrics

    frame = route_metrics(_routes(args), read_layer("countries"), **_tolerance(args))
    _emit(frame, args.format)
    return 0


def _crossings(args: argparse.Namespace) -> int:
    from .crossings import crossings_from_routes
    from .layers import read_layer

    frame = crossings_from_routes(
        _routes(args),
        read_layer("countries"),
        border_posts=read_layer("border_posts"),
        regions=read_layer("nakhchivan"),
        **_tolerance(args),
    )
    _emit(frame, args.format)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .layers import read_layer, read_route_layers
    from .network import CorridorNetwork, alternatives

    network = CorridorNetwork.from_layers(read_route_layers(), read_layer("places"), read_layer("countries"))
    frame = alternatives(network, args.origin, args.destination, avoid=tuple(args.avoid))
    columns = ["sequence_text", "length_km", "extra_km", "crossings", "km_by_country", "km_by_status", "path"]
    _emit(frame[columns + ["country_sequence", "routes"]] if args.format == "json" else frame[columns], args.format)
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
    from .report import build_maps

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


def _assets(args: argparse.Namespace) -> int:
    from .assets import fetch_assets

    for path in fetch_assets(report=print):
        print(f"cached {path}")
    return 0


_COMMANDS = {
    "layers": _layers,
    "metrics": _metrics,
    "crossings": _crossings,
    "compare": _compare,
    "historic": _historic,
    "validate": _validate,
    "build": _build,
    "assets": _assets,
}
