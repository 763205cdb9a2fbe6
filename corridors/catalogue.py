"""The map catalogue: per route its colour, legend group and maps; per map what it shows (catalogue.toml)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import CatalogueError

__all__ = [
    "CATALOGUE_PATH",
    "Catalogue",
    "Choice",
    "Comparison",
    "Way",
    "LayerStyle",
    "MapEntry",
    "RouteStyle",
    "load_catalogue",
    "read_catalogue",
]

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
DRAW_KINDS = (
    "countries",
    "region",
    "historic",
    "water",
    "rivers",
    "sea_labels",
    "capitals",
    "admin1",
    "events",
    "pipelines",
)
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class RouteStyle:
    """How one route is drawn: its line colour, the legend heading it is listed under, the maps showing it."""

    route_id: str
    colour: str
    legend_group: str
    maps: tuple[str, ...]


@dataclass(frozen=True)
class LayerStyle:
    """A layer a map can draw, and the drawing function (``draw``) that draws it."""

    name: str
    draw: str


@dataclass(frozen=True)
class Way:
    """The shortest path under constraints: only these modes (all when empty), avoiding these countries."""

    modes: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Alternatives between two places (names the network resolves), tabulated in the panel.

    With ``constrained`` ways, each is the shortest path under its constraints (like with like:
    by rail and sea, by rail only); otherwise the network's alternatives, shortest first.
    """

    origin: str
    destination: str
    title: str
    ways: int  # how many ways the caption and table show
    constrained: tuple[Way, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One exclusive way of a map: the shortest path of its comparison through ``through`` (ISO codes)."""

    label: str
    through: tuple[str, ...]


@dataclass(frozen=True)
class MapEntry:
    """What one map shows; the caption is a template filled from the analysis."""

    name: str
    title: str
    caption: str
    extent: tuple[float, float, float, float]  # west, south, east, north (WGS84 degrees)
    place_ids: tuple[str, ...]
    layers: tuple[str, ...]
    route_ids: tuple[str, ...]  # derived: the routes whose `maps` name this map, in catalogue order
    compare: Comparison | None = None
    choices: tuple[Choice, ...] = ()
    choice_caption: str = ""  # template per choice: {label}, {length_km}, {modes}, {sequence}, {status}


@dataclass(frozen=True)
class Catalogue:
    """The whole catalogue: routes, layers and maps (in build order)."""

    routes: Mapping[str, RouteStyle]
    layers: Mapping[str, LayerStyle]
    basemap_layers: tuple[str, ...]
    maps: Mapping[str, MapEntry]
    place_labels: Mapping[str, str] = field(default_factory=dict)  # place id -> label where not the data's name
    user_caption: str = ""  # template of a user's own map: {count}, {modes}, {length_km}, {crossings}, {as_of}

    @property
    def map_names(self) -> tuple[str, ...]:
        """The maps, in build order."""
        return tuple(self.maps)

    def place_label(self, place_id: str, name: str) -> str:
        """The text a map shows for a place: the catalogue's label, else the data's ``name``."""
        return self.place_labels.get(place_id, name)

    def colour(self, route_id: str, default: str = "#333333") -> str:
        """The route's colour; ``default`` for a route the catalogue does not know (a user's own)."""
        style = self.routes.get(route_id)
        return style.colour if style else default

    def legend_group(self, route_id: str, default: str = "Routes") -> str:
        """The legend heading of the route; ``default`` for a route the catalogue does not know."""
        style = self.routes.get(route_id)
        return style.legend_group if style else default


def read_catalogue(path: str | Path = CATALOGUE_PATH) -> Catalogue:
    """Read and check a catalogue file (TOML); raise :class:`CatalogueError` listing every problem.

    Parameters
    ----------
    path
        The TOML file; the package's ``catalogue.toml`` by default.
    """
    source = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{source}: cannot read the catalogue: {exc}") from None
    problems: list[str] = []
    layers = {name: LayerStyle(name, str(entry.get("draw", ""))) for name, entry in raw.get("layers", {}).items()}
    problems += [
        f"layer {s.name}: draw {s.draw!r} is not one of {', '.join(DRAW_KINDS)}"
        for s in layers.values()
        if s.draw not in DRAW_KINDS
    ]
    routes = {
        rid: RouteStyle(rid, str(e.get("colour", "")), str(e.get("legend_group", "")), tuple(e.get("maps", ())))
        for rid, e in raw.get("routes", {}).items()
    }
    map_names = tuple(raw.get("maps", {}))
    for style in routes.values():
        if not _COLOUR.match(style.colour):
            problems.append(f"route {style.route_id}: colour {style.colour!r} is not #RRGGBB")
        if not style.legend_group:
            problems.append(f"route {style.route_id}: no legend_group")
        problems += [f"route {style.route_id}: unknown map {m!r}" for m in style.maps if m not in map_names]
    basemap = tuple(raw.get("basemap", {}).get("layers", ()))
    maps = {name: _map_entry(name, entry, routes, problems) for name, entry in raw.get("maps", {}).items()}
    for owner, names in [("basemap", basemap)] + [(f"map {m.name}", m.layers) for m in maps.values()]:
        problems += [f"{owner}: layer {n!r} has no [layers.{n}] entry" for n in names if n not in layers]
    if problems:
        raise CatalogueError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems))
    user_caption = " ".join(str(raw.get("user_map", {}).get("caption", "")).split())
    place_labels = {str(k): str(v) for k, v in raw.get("place_labels", {}).items()}
    return Catalogue(routes, layers, basemap, maps, place_labels, user_caption)


def _map_entry(
    name: str, entry: Mapping[str, object], routes: Mapping[str, RouteStyle], problems: list[str]
) -> MapEntry:
    for key in ("title", "caption", "extent"):
        if key not in entry:
            problems.append(f"map {name}: no {key}")
    extent = tuple(float(v) for v in entry.get("extent", (0.0, 0.0, 0.0, 0.0)))  # type: ignore[attr-defined]
    if len(extent) != 4 or not (extent[0] < extent[2] and extent[1] < extent[3]):
        problems.append(f"map {name}: extent must be [west, south, east, north] with west < east, south < north")
        extent = (0.0, 0.0, 1.0, 1.0)
    compare = entry.get("compare")
    comparison = None
    if isinstance(compare, dict):
        ways = compare.get("ways", 0)
        constrained = tuple(
            Way(tuple(w.get("modes", ())), tuple(w.get("avoid", ()))) for w in (ways if isinstance(ways, list) else ())
        )
        comparison = Comparison(
            str(compare["origin"]),
            str(compare["destination"]),
            str(compare.get("title", "")),
            len(constrained) if constrained else int(ways),
            constrained,
        )
    choices = tuple(
        Choice(str(c["label"]), tuple(c["through"]))
        for c in entry.get("choices", ())  # type: ignore[attr-defined]
    )
    if choices and (comparison is None or not entry.get("choice_caption")):
        problems.append(f"map {name}: choices need a compare table and a choice_caption")
    return MapEntry(
        name=name,
        title=str(entry.get("title", "")),
        caption=" ".join(str(entry.get("caption", "")).split()),
        extent=(extent[0], extent[1], extent[2], extent[3]),
        place_ids=tuple(entry.get("places", ())),  # type: ignore[arg-type]
        layers=tuple(entry.get("layers", ())),  # type: ignore[arg-type]
        route_ids=tuple(rid for rid, style in routes.items() if name in style.maps),
        compare=comparison,
        choices=choices,
        choice_caption=str(entry.get("choice_caption", "")),
    )


@cache
def load_catalogue() -> Catalogue:
    """The package's catalogue, read and checked once per process."""
    return read_catalogue(CATALOGUE_PATH)
