"""The corridor network: every route segment as one graph; shortest paths and alternatives."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely
from shapely.ops import substring

from .country_index import SEA, CountryIndex
from .errors import NoRouteError
from .geodesy import lengths_km
from .legs import legs_from_routes
from .places import resolve_place

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = ["CorridorNetwork", "alternatives", "shortest_route"]

SNAP_DEG = 0.02  # places within ~2 km of a line are stops on it


@dataclass
class CorridorNetwork:
    """A graph with a node per place and an edge per stretch of route between two places.

    Each edge carries ``km`` (geodesic), ``route_id``, ``status``, ``mode`` and ``countries``
    (the ISO codes it passes through, in order, ``"sea"`` for water) and ``km_by_country``.
    """

    graph: nx.Graph
    places: gpd.GeoDataFrame

    @classmethod
    def from_layers(
        cls, routes: gpd.GeoDataFrame, places: gpd.GeoDataFrame, countries: gpd.GeoDataFrame | CountryIndex
    ) -> CorridorNetwork:
        """Build the network from route lines, the ``places`` layer and the ``countries`` layer."""
        import geopandas as gpd
        import networkx as nx

        pieces, meta = [], []
        tree = shapely.STRtree(places.geometry.values)
        for row in routes.itertuples(index=False):
            line = row.geometry
            hits = tree.query(line, predicate="dwithin", distance=SNAP_DEG)
            # Only places in the countries the stretch declares: not a town across a border river.
            hits = [h for h in hits if places["iso_a2"].iloc[h] in set(row.countries)]
            stops = sorted((line.project(places.geometry.iloc[h]), places["id"].iloc[h]) for h in hits)
            for (s0, a), (s1, b) in zip(stops[:-1], stops[1:], strict=True):
                if a != b and s1 > s0:
                    pieces.append(substring(line, s0, s1))
                    meta.append((a, b, row.route_id, row.status, row.mode))
        edges = gpd.GeoDataFrame(
            pd.DataFrame(meta, columns=["a", "b", "route", "status", "mode"]), geometry=pieces, crs=4326
        )
        edges["route_id"] = [f"e{i}" for i in range(len(edges))]
        legs = legs_from_routes(edges, countries)
        by_edge = legs.groupby("route_id", sort=False)
        graph = nx.Graph()
        for place in places.itertuples(index=False):
            graph.add_node(place.id, name=place.name)
        edges["km"] = lengths_km(edges.geometry.values)
        for edge in edges.itertuples(index=False):
            group = by_edge.get_group(edge.route_id)
            attrs = {
                "km": float(edge.km),
                "start": edge.a,
                "route_id": edge.route,
                "status": edge.status,
                "mode": edge.mode,
                "countries": list(group["country"]),
                "km_by_country": group.groupby("country", sort=False)["km"].sum().to_dict(),
            }
            known = graph.get_edge_data(edge.a, edge.b)
            if known is None or known["km"] > attrs["km"]:
                graph.add_edge(edge.a, edge.b, **attrs)
        return cls(graph, places)

    def place_id(self, name: str) -> str:
        """Resolve a forgiving place name to its id (raises ``PlaceNotFoundError``)."""
        candidates = [
            (p.id, [p.name, getattr(p, "name_local", None) or ""]) for p in self.places.itertuples(index=False)
        ]
        return resolve_place(name, [c for c in candidates if c[0] in self.graph])

    def _view(self, avoid: tuple[str, ...], modes: tuple[str, ...] | None) -> nx.Graph:
        import networkx as nx

        def keep(a: str, b: str) -> bool:
            data = self.graph.edges[a, b]
            return not set(data["countries"]) & set(avoid) and (modes is None or data["mode"] in modes)

        return nx.subgraph_view(self.graph, filter_edge=keep)

    def describe(self, path: list[str]) -> dict[str, Any]:
        """Metrics of a path of place ids: km, km per country, sequence, crossings, status mix."""
        km_by_country: dict[str, float] = {}
        km_by_status: dict[str, float] = {}
        sequence: list[str] = []
        routes: list[str] = []
        for a, b in zip(path[:-1], path[1:], strict=True):
            data = self.graph.edges[a, b]
            for code, km in data["km_by_country"].items():
                km_by_country[code] = km_by_country.get(code, 0.0) + km
            km_by_status[data["status"]] = km_by_status.get(data["status"], 0.0) + data["km"]
            for code in data["countries"] if data["start"] == a else data["countries"][::-1]:
                if not sequence or sequence[-1] != code:
                    sequence.append(code)
            if not routes or routes[-1] != data["route_id"]:
                routes.append(data["route_id"])
        return {
            "path": [self.graph.nodes[p]["name"] for p in path],
            "length_km": sum(km_by_status.values()),
            "km_by_country": km_by_country,
            "country_sequence": sequence,
            "crossings": max(len(sequence) - 1, 0),
            "km_by_status": km_by_status,
            "routes": routes,
        }


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
        Place names (forgiving: ``"Naxçıvan"`` finds Nakhchivan).
    avoid
        ISO alpha-2 codes of countries the path must not enter.
    modes
        Allowed modes (``"rail"``, ``"road"``, ``"sea"``); all when ``None``.

    Raises
    ------
    NoRouteError
        No path satisfies the constraints (they are never silently dropped).
    """
    import networkx as nx

    a, b = network.place_id(origin), network.place_id(destination)
    try:
        path = nx.shortest_path(network._view(tuple(avoid), modes), a, b, weight="km")
    except nx.NetworkXNoPath:
        raise NoRouteError(
            f"no path from {origin} to {destination} avoiding {', '.join(avoid) or 'nothing'}"
            + (f" by {', '.join(modes)}" if modes else "")
        ) from None
    return network.describe(path)


def alternatives(
    network: CorridorNetwork, origin: str, destination: str, *, avoid: tuple[str, ...] = (), limit: int = 200
) -> pd.DataFrame:
    """The best path for each distinct country sequence, shortest first, with ``extra_km`` over the best."""
    import networkx as nx

    a, b = network.place_id(origin), network.place_id(destination)
    view = network._view(tuple(avoid), None)
    if a not in view or b not in view or not nx.has_path(view, a, b):
        raise NoRouteError(f"no path from {origin} to {destination} avoiding {', '.join(avoid) or 'nothing'}")
    rows, seen = [], set()
    for path in islice(nx.shortest_simple_paths(view, a, b, weight="km"), limit):
        described = network.describe(path)
        land = tuple(c for c in described["country_sequence"] if c != SEA)
        key = tuple(sorted(set(land)))
        if key not in seen:
            seen.add(key)
            rows.append(described)
    out = pd.DataFrame(rows)
    out["sequence_text"] = out["country_sequence"].map(" → ".join)
    out["extra_km"] = out["length_km"] - out["length_km"].min()
    return out.reset_index(drop=True)
