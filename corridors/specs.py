"""Map specs: the catalogue's maps with captions filled from the analysis and each choice's drawn path."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely
from shapely.ops import substring

from .catalogue import Catalogue, MapEntry
from .errors import BuildError
from .geodesy import lengths_km

if TYPE_CHECKING:
    import geopandas as gpd

    from .network import CorridorNetwork

__all__ = [
    "ChoiceSpec",
    "MapSpec",
    "caption_context",
    "fill_template",
    "map_specs",
    "modes_text",
    "path_lines",
    "status_as_of_text",
]

SEA = "sea"
PIPELINE = "pipeline"  # not a transport way: never among a caption's modes
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
STATUS_UNKNOWN = "as of an unstated date"  # data without status_as_of
ON_PATH_DEG = 0.01  # a crossing within ~1 km of a choice's drawn path belongs to that choice


@dataclass(frozen=True)
class ChoiceSpec:
    """One exclusive way: its label, caption, the route pieces of its path and the crossings on them."""

    label: str
    caption: str
    lines: gpd.GeoDataFrame = field(repr=False)  # pieces of route features, with their route properties
    crossings: pd.DataFrame = field(repr=False)
    route_ids: tuple[str, ...] = ()  # the routes the path runs on, in path order


@dataclass(frozen=True)
class MapSpec:
    """What one map shows: its routes, extent, title and caption (numbers come from the analysis)."""

    name: str
    title: str
    caption: str
    route_ids: tuple[str, ...]
    bounds: tuple[float, float, float, float]  # west, south, east, north (WGS84 degrees)
    groups: tuple[ChoiceSpec, ...] = ()  # exclusive ways; the first is drawn when the page opens
    place_ids: tuple[str, ...] = ()  # ids of the places labelled on the map
    layers: tuple[str, ...] = ()  # thematic layers drawn above the basemap (catalogue names)
    # Alternatives between two places: (countries in order, km, extra km, crossings), shortest first.
    comparison: tuple[tuple[str, float, float, int], ...] = ()
    comparison_title: str = ""
    status_as_of: str = STATUS_UNKNOWN  # "as of 2026-11-20": for the legend and the panel

    @property
    def historic(self) -> bool:
        """Whether the map draws historic Azerbaijan (and tabulates its split)."""
        return "historic_azerbaijan" in self.layers

    def visible_route_ids(self) -> tuple[str, ...]:
        """Routes drawn when the page opens: the first exclusive way's, else every route."""
        return self.groups[0].route_ids if self.groups else self.route_ids


class _Formatter(string.Formatter):
    """``str.format`` whose missing fields name the map and the placeholder."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def get_field(self, field_name: str, args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[object, str]:
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, AttributeError, TypeError) as exc:
            raise BuildError(
                f"{self.where}: the analysis has no value for placeholder {{{field_name}}} ({type(exc).__name__}: "
                f"{exc}); placeholders: {', '.join(sorted(kwargs))}"
            ) from None


def fill_template(template: str, context: Mapping[str, object], where: str) -> str:
    """Fill a catalogue template; a placeholder the context lacks is a :class:`BuildError` naming ``where``."""
    try:
        return _Formatter(where).vformat(template, (), context)
    except ValueError as exc:  # a malformed template or format spec
        raise BuildError(f"{where}: bad caption template: {exc}") from None


def modes_text(modes: Sequence[object]) -> str:
    """``"by rail and road"`` for the modes of a set of routes (rail, road, sea, pipeline, then others).

    Missing modes (``None``, NaN) are skipped; with none stated at all, ``"(mode not stated)"``.
    """
    order = ("rail", "road", "sea", "pipeline")
    stated = {m for m in modes if isinstance(m, str) and m}
    seen = sorted(stated, key=lambda m: (order.index(m) if m in order else len(order), m))
    if not seen:
        return "(mode not stated)" if modes else ""
    words = ["by " + seen[0]] + seen[1:]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text + (
        " (some of unstated mode)"
        if len(stated) and len(modes) > sum(isinstance(m, str) and bool(m) for m in modes)
        else ""
    )


def status_as_of_text(routes: pd.DataFrame) -> str:
    """``"as of 2026-11-20"`` from the routes' ``status_as_of`` (a range when the dates differ).

    Data without ``status_as_of`` (a user's route file, or synthetic test data) give
    :data:`STATUS_UNKNOWN` rather than a date that was never stated.
    """
    if "status_as_of" not in routes:
        return STATUS_UNKNOWN
    values = list(routes["status_as_of"])
    dates = sorted({d for d in values if isinstance(d, str) and d})
    if not dates:
        return STATUS_UNKNOWN
    undated = " (some segments undated)" if sum(isinstance(d, str) and bool(d) for d in values) < len(values) else ""
    span = f"as of {dates[0]}" if len(dates) == 1 else f"as of dates from {dates[0]} to {dates[-1]}"
    return span + undated


def _through_text(sequence: Sequence[str], names: Mapping[str, str]) -> str:
    ends = {sequence[0], sequence[-1]} if sequence else set()
    lands = [names.get(c, c) for c in dict.fromkeys(sequence) if c not in ends and c != SEA]
    parts = [f"through {' and '.join(lands)}"] if lands else []
    if SEA in sequence:
        parts.append("partly by sea")
    return " ".join(parts) or "directly"


def _open_text(ways: pd.DataFrame, through: Sequence[str], as_of: str) -> str:
    """``"None of the three ways is open end to end"``: a way is open when all its km are operational."""
    open_ways = [t for t, s in zip(through, ways["km_by_status"], strict=True) if set(s) <= {"operational"}]
    count = NUMBER_WORDS[len(ways)] if len(ways) < len(NUMBER_WORDS) else str(len(ways))
    if not open_ways:
        return f"None of the {count} ways is open end to end"
    if len(open_ways) == len(ways):
        return f"All {count} ways are open end to end"
    return f"Only the way {' and the way '.join(open_ways)} is open end to end"


def _split_context(split: pd.DataFrame, historic: pd.DataFrame) -> dict[str, dict[str, dict[str, object]]]:
    years = historic.groupby(["definition", "part"])["population_year"].agg(
        lambda s: "/".join(map(str, sorted(set(s))))
    )
    out: dict[str, dict[str, dict[str, object]]] = {}
    for row in split.to_dict("records"):
        part = dict(row)
        # A variant's part includes the core features: the core part's years when the variant adds none.
        key = (row["definition"], row["part"])
        part["population_year"] = years.get(key, years.get(("core", row["part"]), ""))
        out.setdefault(str(row["definition"]), {})[str(row["part"])] = part
    return out


def caption_context(
    entry: MapEntry,
    *,
    metrics: pd.DataFrame,
    routes: pd.DataFrame,
    split: pd.DataFrame | None,
    historic: pd.DataFrame | None,
    ways: pd.DataFrame | None,
    country_names: Mapping[str, str],
) -> dict[str, object]:
    """The named values a map's caption template can use.

    ``route[ID][COLUMN]`` is any column of :func:`corridors.metrics.route_metrics` for a route
    (``route[zangezur][km_by_country][AM]``); ``split[DEFINITION][PART][COLUMN]`` a row of
    :func:`corridors.historic.historic_split` plus ``population_year``; ``verdict`` whether
    the south holds two-thirds; ``modes`` (``"by rail and road"``) and ``as_of`` for the
    map's routes; with a comparison, ``origin``, ``destination``, ``ways`` (km per way) and
    ``open_ways`` (how many ways are open end to end). ``modes`` and ``as_of`` count the
    segments in the map's extent; ``route[ID][modes]`` is one route's modes.
    """
    west, south, east, north = entry.extent
    in_view = shapely.intersects(routes.geometry.values, shapely.box(west, south, east, north))
    shown = routes[routes["route_id"].isin(entry.route_ids).to_numpy() & in_view]
    by_route = {str(r["route_id"]): dict(r) for r in metrics.to_dict("records")}
    for values in by_route.values():
        values["modes"] = modes_text(list(values.get("km_by_mode", {})))
    context: dict[str, object] = {
        "route": by_route,
        "modes": modes_text([m for m in shown["mode"] if m != PIPELINE]) if "mode" in shown else "",
        "as_of": status_as_of_text(shown),
    }
    if split is not None and historic is not None and not split.empty:
        context["split"] = _split_context(split, historic)
        core_south = split[(split["definition"] == "core") & (split["part"] == "south")]
        if "south_two_thirds" in core_south and len(core_south):
            context["verdict"] = "borne out" if bool(core_south["south_two_thirds"].iloc[0]) else "not borne out"
    if entry.compare is not None and ways is not None and len(ways):
        through = [_through_text(list(s), country_names) for s in ways["country_sequence"]]
        context["origin"], context["destination"] = entry.compare.origin, entry.compare.destination
        context["ways"] = ", ".join(
            f"{km:,.0f} km{f' (+{extra:,.0f})' if round(extra) > 0 else ''} {text}"  # extra over the shortest shown
            for km, extra, text in zip(ways["length_km"], ways["extra_km"], through, strict=True)
        )
        context["open_ways"] = _open_text(ways, through, str(context["as_of"]))
    return context


def path_lines(network: CorridorNetwork, path: Sequence[str], routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The route pieces a path of the network runs on, end to end, with their features' properties.

    ``path`` is a path of place names as :func:`corridors.network.alternatives` gives it. Each
    run of consecutive edges on one route feature becomes one piece of that feature's line,
    cut at the run's first and last place and tied to them (the line passes within
    :data:`corridors.network.SNAP_DEG` of a place), so the pieces join end to end.
    """
    import geopandas as gpd

    graph = network.graph
    ids = _path_ids(network, path)
    runs: list[tuple[int, str, str]] = []  # feature index, first place, last place
    for a, b in zip(ids[:-1], ids[1:], strict=True):
        feature = _edge_feature(graph.edges[a, b], a, b, network, routes)
        if runs and runs[-1][0] == feature and runs[-1][2] == a:
            runs[-1] = (feature, runs[-1][1], b)
        else:
            runs.append((feature, a, b))
    points = network.places.set_index(network.places["id"]).geometry
    rows, pieces = [], []
    for feature, a, b in runs:
        line = routes.geometry.iloc[feature]
        piece = substring(line, line.project(points[a]), line.project(points[b]))  # runs from a to b
        # The line passes within SNAP_DEG of its stops: tie each piece to its two places, so that
        # consecutive pieces meet and the path is drawn without a gap from end to end.
        coords = [points[a].coords[0], *shapely.get_coordinates(piece).tolist(), points[b].coords[0]]
        pieces.append(shapely.LineString([c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]))
        rows.append(routes.iloc[feature].drop(labels=routes.geometry.name))
    lines = gpd.GeoDataFrame(pd.DataFrame(rows).reset_index(drop=True), geometry=pieces, crs=4326)
    return lines.assign(length_km=lengths_km(pieces))  # each piece's own length, for its popup


def _path_ids(network: CorridorNetwork, path: Sequence[str]) -> list[str]:
    by_name: dict[str, list[str]] = {}
    for node, data in network.graph.nodes(data=True):
        by_name.setdefault(str(data.get("name")), []).append(node)
    ids: list[str] = []
    for name in path:
        options = by_name.get(name, [])
        linked = [o for o in options if not ids or network.graph.has_edge(ids[-1], o)]
        if not linked:
            raise BuildError(f"path {' → '.join(path)}: no place {name!r} next to {ids[-1] if ids else 'the start'}")
        ids.append(linked[0])
    return ids


def _edge_feature(
    edge: Mapping[str, object], a: str, b: str, network: CorridorNetwork, routes: gpd.GeoDataFrame
) -> int:
    """The position in ``routes`` of the feature an edge was cut from: its route, mode and status, nearest both ends."""
    points = network.places.set_index(network.places["id"]).geometry
    candidates = [
        i
        for i, (rid, mode, status) in enumerate(zip(routes["route_id"], routes["mode"], routes["status"], strict=True))
        if rid == edge["route_id"] and mode == edge["mode"] and status == edge["status"]
    ]
    if not candidates:
        raise BuildError(f"edge {a}–{b}: no feature of route {edge['route_id']} to draw it from")
    lines = routes.geometry.values[candidates]
    gap = shapely.distance(lines, points[a]) + shapely.distance(lines, points[b])
    return candidates[int(gap.argmin())]


def _choice(
    entry: MapEntry,
    label: str,
    way: Mapping[str, object],
    lines: gpd.GeoDataFrame,
    crossings: pd.DataFrame,
    through: str,
    as_of: str,
) -> ChoiceSpec:
    route_ids = tuple(dict.fromkeys(str(r) for r in lines["route_id"]))
    status = way["km_by_status"]
    assert isinstance(status, Mapping)
    is_open = set(status) <= {"operational"}
    context = {
        "label": label,
        "length_km": way["length_km"],
        "modes": modes_text(list(lines["mode"])),
        "sequence": way["sequence_text"],
        "status": ("open end to end " if is_open else "not open end to end ") + as_of,
        "through": through,
    }
    near = shapely.union_all(lines.geometry.values)
    on_path = crossings["route_id"].isin(route_ids) & shapely.dwithin(
        shapely.points(crossings["lon"].to_numpy(), crossings["lat"].to_numpy()), near, ON_PATH_DEG
    )
    caption = fill_template(entry.choice_caption, context, f"map {entry.name}, choice {label!r}")
    return ChoiceSpec(label, caption, lines, crossings[on_path], route_ids)


def map_specs(
    catalogue: Catalogue,
    *,
    metrics: pd.DataFrame,
    routes: gpd.GeoDataFrame,
    crossings: pd.DataFrame,
    split: pd.DataFrame | None,
    historic: pd.DataFrame | None,
    comparisons: Mapping[str, pd.DataFrame],
    network: CorridorNetwork | None,
    country_names: Mapping[str, str],
) -> list[MapSpec]:
    """One :class:`MapSpec` per catalogue map, captions filled from the analysis.

    ``comparisons`` holds :func:`corridors.network.alternatives` per map with a ``compare``
    entry; each ``choice`` becomes the path of the first alternative through its countries,
    drawn from the route features it runs on.
    """
    specs = []
    for entry in catalogue.maps.values():
        ways = comparisons.get(entry.name)
        shown = _shown_ways(entry, ways)
        context = caption_context(
            entry,
            metrics=metrics,
            routes=routes,
            split=split,
            historic=historic,
            ways=shown,
            country_names=country_names,
        )
        groups: list[ChoiceSpec] = []
        if entry.choices:
            if ways is None or network is None:
                raise BuildError(f"map {entry.name}: its choices need the comparison and the network")
            for choice in entry.choices:
                way = _way_through(ways, choice.through, entry.name, choice.label)
                lines = path_lines(network, [str(p) for p in way["path"]], routes)
                through = _through_text([str(c) for c in way["country_sequence"]], country_names)
                groups.append(_choice(entry, choice.label, way, lines, crossings, through, str(context["as_of"])))
        comparison: tuple[tuple[str, float, float, int], ...] = ()
        if shown is not None:
            comparison = tuple(
                (str(r.sequence_text), float(r.length_km), float(r.extra_km), int(r.crossings))
                for r in shown.itertuples()
            )
        specs.append(
            MapSpec(
                entry.name,
                entry.title,
                fill_template(entry.caption, context, f"map {entry.name}"),
                entry.route_ids,
                entry.extent,
                tuple(groups),
                entry.place_ids,
                entry.layers,
                comparison,
                fill_template(entry.compare.title, context, f"map {entry.name}") if entry.compare else "",
                str(context["as_of"]),
            )
        )
    return specs


def _shown_ways(entry: MapEntry, ways: pd.DataFrame | None) -> pd.DataFrame | None:
    """The ways a map's caption and table show: its choices' ways in choice order, else the first ``ways``."""
    if ways is None or entry.compare is None:
        return None
    if not entry.choices:
        return ways.head(entry.compare.ways)
    chosen = pd.DataFrame([_way_through(ways, c.through, entry.name, c.label) for c in entry.choices])
    chosen["extra_km"] = chosen["length_km"] - chosen["length_km"].min()
    return chosen.reset_index(drop=True)


def _way_through(ways: pd.DataFrame, through: Sequence[str], map_name: str, label: str) -> dict[str, Any]:
    """The shortest alternative whose land countries, besides its end points', are exactly ``through``."""
    for way in ways.to_dict("records"):
        sequence = list(way["country_sequence"])
        inner = {c for c in sequence if c != SEA} - {sequence[0], sequence[-1]}
        if inner == set(through):
            return way
    raise BuildError(f"map {map_name}: no alternative runs through {', '.join(through)} (choice {label!r})")
