"""Railway alignments from track geometry: a graph of OpenStreetMap ways and Natural Earth railroads.

Used by build_geodata.py for segments with a ``track`` key in scripts/waypoints.toml. The graph's nodes
are track vertices (coordinates rounded to 1e-5 degrees, about 1 m, so that ways sharing an OpenStreetMap
node share a graph node); its edges are the track between consecutive vertices, weighted by their
geodesic length. A line is the shortest path between the track nodes nearest consecutive stations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyproj import Geod

RAW = Path(__file__).resolve().parent / "raw"
GEOD = Geod(ellps="WGS84")
# A line's end station further than this from every track node is an error; an intermediate station
# further than this (a town the line passes at a distance) is not forced as a via.
MAX_SNAP_M = 5_000.0
# Dead ends of the track closer than this to another piece of track are joined to it (see _bridge_gaps).
GAP_M = 1_000.0
# Connected pieces of track with fewer vertices than this are sidings or fragments, never a station's line.
MIN_COMPONENT_NODES = 100
# Track types used: rail in service, and construction (the traced planned alignments).
TYPES = ("rail", "construction")


@dataclass(frozen=True)
class TrackSource:
    """A raw file of track geometry and how to cite it."""

    file: str
    source: str
    licence: str


SOURCES = {
    "osm": TrackSource(
        "osm_railways_azerbaijan_region.json + osm_railways_georgia.js",
        "OpenStreetMap railway ways: Overpass extract of 2026-02-26 (njfinney/Asia_Railway_Calculator "
        "@ d44c7e5, data/railways/azerbaijan.json) and of 2026-01-27 for Georgia (Argbjorn/georgian_railway_2025 "
        "@ 1a3c60f, railway-network-data.js)",
        "ODbL 1.0 (© OpenStreetMap contributors)",
    ),
    "trace": TrackSource(
        "osm_trace_volgograd_derbent.geojson",
        "Volgograd–Astrakhan–Makhachkala–Derbent traced over OpenStreetMap railways with BRouter (2019), "
        "trolleway/russian-railways-simplegeodata @ 6fe3176, rzd/mainlines/Volgograd-Derbent.geojson",
        "ODbL 1.0 (© OpenStreetMap contributors)",
    ),
    "ne": TrackSource(
        "ne_10m_railroads_region.geojson",
        "Natural Earth 1:10m railroads (generalised), decoded from bovine3dom/fahrtle @ 9335621 z8 tiles",
        "public domain (Natural Earth)",
    ),
}


def _key(lon: float, lat: float) -> tuple[float, float]:
    return (round(lon, 5), round(lat, 5))


def _add_line(graph: nx.Graph, coords: list[tuple[float, float]], kind: str) -> None:
    keys = [_key(lon, lat) for lon, lat in coords]
    keys = [k for i, k in enumerate(keys) if i == 0 or k != keys[i - 1]]
    if len(keys) < 2:
        return
    xy = np.asarray(keys)
    _, _, dist = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    for a, b, d in zip(keys[:-1], keys[1:], dist, strict=True):
        if not graph.has_edge(a, b) or graph[a][b]["m"] > d:
            graph.add_edge(a, b, m=float(d), kind=kind)


def _osm_graph() -> nx.Graph:
    graph = nx.Graph()
    for way in sorted(json.loads((RAW / "osm_railways_azerbaijan_region.json").read_text()), key=lambda w: w["id"]):
        if way["type"] in TYPES:
            _add_line(graph, [(lon, lat) for lat, lon in way["geometry"]], way["type"])
    text = (RAW / "osm_railways_georgia.js").read_text(encoding="utf-8")
    georgia = json.loads(text[text.index("=") + 1 :].strip().rstrip(";"))
    for feature in sorted(georgia["features"], key=lambda f: f["properties"]["@id"]):
        geometry = feature["geometry"]
        if feature["properties"].get("railway") in TYPES and geometry["type"] == "LineString":
            _add_line(graph, [tuple(c[:2]) for c in geometry["coordinates"]], feature["properties"]["railway"])
    return graph


def _line_graph(path: Path) -> nx.Graph:
    graph = nx.Graph()
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        lines = [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]
        for line in lines:
            _add_line(graph, [tuple(c[:2]) for c in line], "rail")
    return graph


def _bridge_gaps(graph: nx.Graph) -> None:
    """Join each dead end of the track to the nearest vertex of another connected piece within ``GAP_M``.

    OpenStreetMap ways of one line sometimes stop short of each other (a tunnel or bridge mapped apart, an
    extract's cut): these edges, marked ``kind = "gap"``, close them with a straight line.
    """
    import shapely

    pieces = {n: i for i, c in enumerate(sorted(nx.connected_components(graph), key=min)) for n in c}
    nodes = sorted(graph.nodes)
    tree = shapely.STRtree(shapely.points(nodes))
    ends = [n for n in nodes if graph.degree(n) == 1]
    deg = GAP_M / 111_000.0
    found, near = tree.query(shapely.points(ends), predicate="dwithin", distance=deg * 1.5)
    best: dict[tuple[float, float], tuple[float, tuple[float, float]]] = {}
    for e, n in zip(found, near, strict=True):
        a, b = ends[e], nodes[n]
        if pieces[a] == pieces[b]:
            continue
        _, _, d = GEOD.inv(a[0], a[1], b[0], b[1])
        if d <= GAP_M and (a not in best or d < best[a][0]):
            best[a] = (d, b)
    for a, (d, b) in sorted(best.items()):
        graph.add_edge(a, b, m=float(d), kind="gap")


class Tracks:
    """The track graphs, built once per run."""

    def __init__(self) -> None:
        self._graphs: dict[str, nx.Graph] = {}
        self._nodes: dict[str, np.ndarray] = {}

    def graph(self, name: str) -> nx.Graph:
        if name not in self._graphs:
            if name == "osm":
                graph = _osm_graph()
            elif name == "trace":
                graph = _line_graph(RAW / "osm_trace_volgograd_derbent.geojson")
            elif name == "ne":
                graph = _line_graph(RAW / "ne_10m_railroads_region.geojson")
            else:
                raise SystemExit(f"unknown track source {name!r}; one of {', '.join(SOURCES)}")
            _bridge_gaps(graph)
            self._graphs[name] = graph
            # Stations snap to lines, not to the isolated sidings and yards a town centre may be nearest.
            lines = [c for c in nx.connected_components(graph) if len(c) >= MIN_COMPONENT_NODES]
            self._nodes[name] = np.asarray(sorted(n for c in lines for n in c))
        return self._graphs[name]

    def nearest(self, name: str, lon: float, lat: float) -> tuple[tuple[float, float], float]:
        """The track node nearest a point and its distance (metres)."""
        self.graph(name)
        nodes = self._nodes[name]
        rough = np.hypot((nodes[:, 0] - lon) * np.cos(np.radians(lat)), nodes[:, 1] - lat)
        candidates = nodes[np.argsort(rough)[:20]]
        _, _, dist = GEOD.inv(np.full(len(candidates), lon), np.full(len(candidates), lat), *candidates.T)
        best = int(np.argmin(dist))
        return (float(candidates[best, 0]), float(candidates[best, 1])), float(dist[best])

    def line(
        self, name: str, stations: list[tuple[str, tuple[float, float]]], max_end_snap_m: float = MAX_SNAP_M
    ) -> list[tuple[float, float]]:
        """Vertices of the track from station to station (shortest paths), starting and ending at the
        stations' own coordinates (joined to the track by a straight connector where they lie off it)."""
        graph = self.graph(name)
        snapped, kept = [], []
        for n, (label, (lon, lat)) in enumerate(stations):
            node, dist = self.nearest(name, lon, lat)
            end = n in (0, len(stations) - 1)
            if dist > (max_end_snap_m if end else MAX_SNAP_M):
                if not end:
                    continue  # a town the line passes at a distance: not forced as a via
                raise SystemExit(f"track {name}: station {label} is {dist:.0f} m from the nearest track node")
            snapped.append(node)
            kept.append((label, (lon, lat)))
        stations = kept
        vertices: list[tuple[float, float]] = [stations[0][1]]
        for (a_label, _), (b_label, _), a, b in zip(
            stations[:-1], stations[1:], snapped[:-1], snapped[1:], strict=True
        ):
            try:
                path = nx.shortest_path(graph, a, b, weight="m")
            except nx.NetworkXNoPath:
                raise SystemExit(f"track {name}: no track between {a_label} and {b_label}") from None
            vertices += [p for p in path if p != vertices[-1]]
        if stations[-1][1] != vertices[-1]:
            vertices.append(stations[-1][1])
        return vertices


def visit(line: list[tuple[float, float]], place: tuple[float, float]) -> list[tuple[float, float]]:
    """The line with a straight spur from its vertex nearest ``place`` to the place and back.

    For a station whose town point lies off the track (further than the analysis snaps stops to lines),
    so that the line still serves it.
    """
    xy = np.asarray(line)
    _, _, dist = GEOD.inv(xy[:, 0], xy[:, 1], np.full(len(xy), place[0]), np.full(len(xy), place[1]))
    i = int(np.argmin(dist))
    return [*line[: i + 1], place, *line[i:]]


def describe(name: str) -> dict[str, Any]:
    """Source and licence of a track source, for the features' provenance."""
    spec = SOURCES[name]
    return {"source": spec.source, "licence": spec.licence, "file": spec.file}
