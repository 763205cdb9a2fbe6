"""The corridor network: every transport route as one graph; shortest paths and alternatives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from .country_index import SEA, CountryIndex
from .errors import NoRouteError
from .geodesy import lengths_km
from .legs import legs_from_routes
from .placenames import PlaceName, place_names, resolve_country, resolve_place
from .tolerance import DEFAULT_TOLERANCE_M

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = ["CorridorNetwork", "alternatives", "shortest_route"]

SNAP_DEG = 0.02  # places within ~2 km of a line are stops on it
DECLARED_STOP_DEG = 0.1  # a place a segment names in `stops` is a stop on it within ~10 km
STOP_REACH_KM = 1.0  # without declared countries: a stop's country within this distance along the route
NOT_TRANSPORT = ("pipeline",)  # pipelines carry oil and gas, not passengers or freight cars


@dataclass
class CorridorNetwork:
    """A graph with a node per place and an edge per stretch of route between two places.

    Each edge carries ``km`` (geodesic), ``route_id``, ``status``, ``mode``, ``countries`` (the
    ISO codes it passes through, in order, ``"sea"`` for water), ``km_by_country`` and ``edge``,
    its row in :attr:`edges` (one row per stretch, with its geometry, before the shortest
    stretch between two places is chosen). The split between countries is cut out of the legs of
    the whole route (:func:`~corridors.crossings.legs_from_routes`), so an edge agrees with
    :func:`~corridors.metrics.route_metrics` of its route: a stretch cut out first and measured
    alone would lose the tolerance decisions taken at its ends (Nurduz–Jolfa: 1.65 km "in
    Armenia" where the whole road is in Iran). ``country_names`` maps ISO codes to English names.
    """

    graph: nx.Graph
    places: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    country_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_layers(
        cls,
        routes: gpd.GeoDataFrame,
        places: gpd.GeoDataFrame,
        countries: gpd.GeoDataFrame | CountryIndex,
        *,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        country_names: Mapping[str, str] | None = None,
    ) -> CorridorNetwork:
        """Build the network from route lines, the ``places`` layer and the ``countries`` layer.

        Routes of mode ``pipeline`` are left out (not a transport network). ``country_names``
        (ISO code -> English name, for ``avoid``) is taken from ``countries`` when it is the layer.
        """
        if "mode" in routes:
            routes = routes[~routes["mode"].isin(NOT_TRANSPORT)]
        routes = routes.explode(index_parts=False).reset_index(drop=True)
        legs = legs_from_routes(routes, countries, tolerance_m=tolerance_m)
        edges = _edges(routes, places, legs)
        graph = _graph(places, edges, np.ones(len(edges), dtype=bool))
        names = dict(country_names or {})
        if not isinstance(countries, CountryIndex) and "name" in countries:
            names = dict(zip(countries["iso_a2"], countries["name"], strict=True))
        return cls(graph, places, edges, names)

    def place_names(self) -> list[PlaceName]:
        """The places that can be named, with the spellings they can be called by."""
        return place_names(self.places)

    def place_id(self, name: str) -> str:
        """Resolve a place name in any script to its id (raises ``PlaceNotFoundError``)."""
        return resolve_place(name, self.place_names())

    def country_code(self, name: str) -> str:
        """Resolve an ISO code (any case), an English country name or ``"sea"`` to a code."""
        if name.strip().casefold() == SEA:
            return SEA
        codes = {code for data in self.edges["countries"] for code in data} - {SEA}
        pairs = {**{code: code for code in codes}, **self.country_names}
        return resolve_country(name, pairs.items())

    def modes(self) -> list[str]:
        """The modes of the network's edges (``rail``, ``road``, ``sea``)."""
        return sorted(set(self.edges["mode"]))

    def view(self, avoid: tuple[str, ...] = (), modes: tuple[str, ...] | None = None) -> nx.Graph:
        """The graph of the edges that enter no avoided country and use an allowed mode.

        Raises
        ------
        PlaceNotFoundError
            An unknown country in ``avoid``.
        NoRouteError
            A mode the network does not have.
        """
        codes = {self.country_code(c) for c in avoid}
        unknown = sorted(set(modes or ()) - set(self.modes()))
        if unknown:
            raise NoRouteError(f"unknown mode {', '.join(unknown)}; the network has {', '.join(self.modes())}")
        keep = np.array([not set(c) & codes for c in self.edges["countries"]], dtype=bool)
        if modes is not None:
            keep &= self.edges["mode"].isin(modes).to_numpy()
        # Built anew from the edges that qualify: between two places, the shortest of those is kept,
        # not the shortest of all (a road beside a railway stays a road when --mode road asks for one).
        return _graph(self.places, self.edges, keep)

    def describe(self, path: list[str], graph: nx.Graph | None = None) -> dict[str, Any]:
        """Metrics of a path of place ids: km, km per country and mode, sequence, crossings, geometry.

        ``graph`` is the one the path was found in (a :meth:`view`); the whole network by default.
        """
        graph = self.graph if graph is None else graph
        km_by: dict[str, dict[str, float]] = {"country": {}, "status": {}, "mode": {}}
        sequence: list[str] = []
        routes: list[str] = []
        lines = []
        for a, b in zip(path[:-1], path[1:], strict=True):
            data = graph.edges[a, b]
            forward = data["start"] == a
            for code, km in data["km_by_country"].items():
                km_by["country"][code] = km_by["country"].get(code, 0.0) + km
            for key in ("status", "mode"):
                km_by[key][data[key]] = km_by[key].get(data[key], 0.0) + data["km"]
            for code in data["countries"] if forward else data["countries"][::-1]:
                if not sequence or sequence[-1] != code:
                    sequence.append(code)
            if not routes or routes[-1] != data["route_id"]:
                routes.append(data["route_id"])
            line = self.edges.geometry.iloc[data["edge"]]
            lines.append(line if forward else shapely.reverse(line))
        return {
            "path": [self.graph.nodes[p]["name"] for p in path],
            "length_km": sum(km_by["mode"].values()),
            "km_by_country": km_by["country"],
            "country_sequence": sequence,
            "crossings": sum(1 for a, b in zip(sequence[:-1], sequence[1:], strict=True) if SEA not in (a, b)),
            "km_by_mode": km_by["mode"],
            "km_by_status": km_by["status"],
            "routes": routes,
            "geometry": shapely.MultiLineString(lines),
        }


def _graph(places: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, keep: np.ndarray) -> nx.Graph:
    """A node per place, an edge per pair of places: the shortest kept stretch between them."""
    import networkx as nx

    graph = nx.Graph()
    for place in places.itertuples(index=False):
        graph.add_node(place.id, name=place.name)
    for position in np.flatnonzero(keep).tolist():
        edge = edges.iloc[position]
        known = graph.get_edge_data(edge["a"], edge["b"])
        if known is None or known["km"] > edge["km"]:
            attrs = {k: edge[k] for k in ("km", "route_id", "status", "mode", "countries", "km_by_country")}
            graph.add_edge(edge["a"], edge["b"], start=edge["a"], edge=position, **attrs)
    return graph


def _edges(routes: gpd.GeoDataFrame, places: gpd.GeoDataFrame, legs: pd.DataFrame) -> gpd.GeoDataFrame:
    """One row per stretch of a route line between two consecutive places on it."""
    import geopandas as gpd

    route_ids = routes["route_id"].astype(str)
    row_km = pd.Series(lengths_km(routes.geometry.values))
    offset_km = row_km.groupby(route_ids.to_numpy(), sort=False).cumsum().to_numpy() - row_km.to_numpy()
    legs_of = {key: group for key, group in legs.groupby("route_id", sort=False)}
    place_country = places["iso_a2"] if "iso_a2" in places else places.get("country")
    tree = shapely.STRtree(places.geometry.values)
    rows: list[dict[str, Any]] = []
    for position, row in enumerate(routes.itertuples(index=False)):
        line = row.geometry
        hits = tree.query(line, predicate="dwithin", distance=SNAP_DEG)
        served = getattr(row, "stops", None)
        if isinstance(served, list) and served:
            # The places the segment declares it serves are stops even where the line passes a little
            # further than SNAP_DEG from the town's point (Tehran: its station is 3 km from the centre).
            named = tree.query(line, predicate="dwithin", distance=DECLARED_STOP_DEG)
            hits = np.union1d(hits, [h for h in named if places["name"].iloc[h] in set(served)]).astype(int)
        declared = getattr(row, "countries", None)
        if place_country is not None and declared is not None:
            # Only places in the countries the stretch declares: not a town across a border river.
            hits = [h for h in hits if place_country.iloc[h] in set(declared)]
        stops = sorted((line.project(places.geometry.iloc[h]), places["id"].iloc[h], h) for h in hits)
        km_at = [offset_km[position] + _km_to(line, s) for s, _, _ in stops]
        if place_country is not None and declared is None:
            # No declared countries: a place is a stop only where the route is in its country (or reaches it
            # within STOP_REACH_KM: a port where the route leaves the sea, a town at the end of a border bridge).
            route_legs = legs_of[route_ids.iloc[position]]
            found = [_countries_near(route_legs, k, STOP_REACH_KM) for k in km_at]
            keep = [place_country.iloc[h] in near for near, (_, _, h) in zip(found, stops, strict=True)]
            stops = [stop for stop, kept in zip(stops, keep, strict=True) if kept]
            km_at = [k for k, kept in zip(km_at, keep, strict=True) if kept]
        for (s0, a, _), (s1, b, _), k0, k1 in zip(stops[:-1], stops[1:], km_at[:-1], km_at[1:], strict=True):
            if a == b or s1 <= s0:
                continue
            countries, km_by_country = _cut_legs(legs_of[route_ids.iloc[position]], k0, k1)
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "route_id": route_ids.iloc[position],
                    "route_name": getattr(row, "route_name", None) or route_ids.iloc[position],
                    "status": getattr(row, "status", "unknown"),
                    "mode": getattr(row, "mode", "unknown"),
                    "km": k1 - k0,
                    "countries": countries,
                    "km_by_country": km_by_country,
                    "geometry": substring(line, s0, s1),
                }
            )
    columns = ["a", "b", "route_id", "route_name", "status", "mode", "km", "countries", "km_by_country", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=4326)


def _km_to(line: shapely.LineString, distance: float) -> float:
    """Geodesic km along ``line`` from its start to the planar ``distance`` (degrees) along it."""
    return float(lengths_km([substring(line, 0.0, distance)])[0]) if distance > 0 else 0.0


def _countries_near(legs: pd.DataFrame, km: float, reach_km: float) -> set[str]:
    """The countries of the legs that a route runs through within ``reach_km`` of ``km`` km along it."""
    near = (legs["km_end"].to_numpy() >= km - reach_km) & (legs["km_start"].to_numpy() <= km + reach_km)
    return {str(c) for c in legs["country"].to_numpy()[near]}


def _cut_legs(legs: pd.DataFrame, k0: float, k1: float) -> tuple[list[str], dict[str, float]]:
    """Countries (in order) and km per country of the stretch ``k0 … k1`` km along a route."""
    overlap = np.minimum(legs["km_end"].to_numpy(), k1) - np.maximum(legs["km_start"].to_numpy(), k0)
    keep = overlap > 1e-9
    countries = legs["country"].to_numpy()[keep].tolist()
    km_by_country: dict[str, float] = {}
    for code, km in zip(countries, overlap[keep].tolist(), strict=True):
        km_by_country[code] = km_by_country.get(code, 0.0) + km
    sequence = [c for i, c in enumerate(countries) if i == 0 or countries[i - 1] != c]
    return sequence, km_by_country


def shortest_route(
    network: CorridorNetwork,
    origin: str,
    destination: str,
    *,
    avoid: tuple[str, ...] = (),
    modes: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The shortest path (geodesic km) between two places, with its metrics.

    Parameters
    ----------
    origin, destination
        Place names in any script (``"Naxçıvan"``, ``"Москва"``) or ids.
    avoid
        Countries the path must not enter: ISO alpha-2 codes in any case or English names.
    modes
        Allowed modes (``"rail"``, ``"road"``, ``"sea"``); all when ``None``.

    Returns
    -------
    dict
        ``path`` (place names), ``length_km``, ``km_by_country``, ``country_sequence``,
        ``crossings`` (land borders), ``km_by_mode``, ``km_by_status``, ``routes`` and
        ``geometry`` (a MultiLineString in EPSG:4326, one part per edge, in order of travel).

    Raises
    ------
    NoRouteError
        No path satisfies the constraints (they are never silently dropped).
    PlaceNotFoundError
        A place or a country is unknown or ambiguous.
    """
    import networkx as nx

    a, b = _ends(network, origin, destination)
    view = network.view(tuple(avoid), modes)
    try:
        path = nx.shortest_path(view, a, b, weight="km")
    except nx.NetworkXNoPath:
        raise NoRouteError(_no_path(origin, destination, avoid, modes)) from None
    return network.describe(path, view)


def _ends(network: CorridorNetwork, origin: str, destination: str) -> tuple[str, str]:
    a, b = network.place_id(origin), network.place_id(destination)
    if a == b:
        raise NoRouteError(f"{origin} and {destination} are the same place ({a}): nothing to compare")
    return a, b


def _no_path(origin: str, destination: str, avoid: tuple[str, ...], modes: tuple[str, ...] | None) -> str:
    by = f" by {', '.join(modes)}" if modes else ""
    return f"no path from {origin} to {destination} avoiding {', '.join(avoid) or 'nothing'}{by}"


def alternatives(
    network: CorridorNetwork,
    origin: str,
    destination: str,
    *,
    avoid: tuple[str, ...] = (),
    modes: tuple[str, ...] | None = None,
    limit: int = 200,
) -> gpd.GeoDataFrame:
    """The real alternatives between two places, shortest first, with ``extra_km`` over the best.

    Among the ``limit`` shortest simple paths (no place visited twice), a path is kept only when
    it is the shortest through its set of land countries and no shorter kept path passes through
    a subset of them: a detour through more countries that avoids none of the shorter path's
    (Baku → Astrakhan → Caspian ferry → Iran → Nakhchivan) is a loop, not an alternative.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per alternative, the columns of :func:`shortest_route` plus ``sequence_text``,
        ``countries`` (the sorted land countries) and ``extra_km``; geometry in EPSG:4326.
    """
    import geopandas as gpd
    import networkx as nx

    a, b = _ends(network, origin, destination)
    view = network.view(tuple(avoid), modes)
    if not nx.has_path(view, a, b):
        raise NoRouteError(_no_path(origin, destination, avoid, modes))
    rows: list[dict[str, Any]] = []
    kept: list[frozenset[str]] = []
    for path in islice(nx.shortest_simple_paths(view, a, b, weight="km"), limit):
        described = network.describe(path, view)
        land = frozenset(c for c in described["country_sequence"] if c != SEA)
        if any(shorter <= land for shorter in kept):
            continue
        kept.append(land)
        rows.append({**described, "countries": sorted(land)})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326)
    out["sequence_text"] = out["country_sequence"].map(" → ".join)
    out["extra_km"] = out["length_km"] - out["length_km"].min()
    return out.reset_index(drop=True)
