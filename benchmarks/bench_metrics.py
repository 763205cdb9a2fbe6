"""Benchmark of ``corridors.metrics.route_metrics`` against the obvious geopandas alternative.

Issue "Performance". This is a benchmark, not a unit test. Run from the repository root::

    python benchmarks/bench_metrics.py --sizes 1000 10000 100000

For each N it generates N seeded synthetic routes (random walks of 200 vertices, ~2 km steps,
across the Caucasus and Iran: lon 44-50, lat 36-42) and measures, each in a fresh process
(multiprocessing 'spawn') so that peak memory is clean:

(a) the package: ``CountryIndex.from_countries(countries)`` (timed separately), then
    ``route_metrics(routes, index)`` with the default tolerance;
(b) geopandas: ``geopandas.overlay(routes, countries[["iso_a2", "geometry"]], how="intersection",
    keep_geom_type=True)`` then ``pyproj.Geod(ellps="WGS84").geometry_length`` per feature,
    summed per (route_id, iso_a2). Only for N <= --max-geopandas (default 10000): it is slow.

Each method runs --repeat times (default 3) on the same routes in its process; the fastest
run counts (the machine may be shared: the slower runs measure the neighbours), and every run
is kept in the results.

Where (b) ran, the land km per route of both are compared (the package run with
``tolerance_m=0`` for this check, since by default it absorbs excursions shallower than 500 m
into the previous country) and the max relative difference must be < 1e-3.

The routes are generated a few thousand at a time, so that the generation's own high-water
mark stays well below the package's (``rss_before_mb`` is the peak before ``route_metrics``).

With ``--maps`` it also times ``corridors.pipeline.build_maps`` (all maps, from reading the
layers to writing the files) against ``GeoDataFrame.explore()`` + ``Map.save`` of the same
layers per map (countries at full resolution, Nakhchivan, the map's routes and crossings;
layers read and analysed before the clock starts), each in a fresh process, and compares the
total file sizes (``pip install -e .[bench]`` for ``explore``)::

    python benchmarks/bench_metrics.py --sizes 1000 10000 100000 --maps

Results are printed as a table and written to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VERTICES = 200
STEP_KM = 2.0
BOX = (44.0, 36.0, 50.0, 42.0)  # lon min, lat min, lon max, lat max
CHECK_RTOL = 1e-3
GEN_CHUNK = 5000


# --------------------------------------------------------------------------- data


def make_routes(n: int, seed: int):
    """N seeded random walks of VERTICES vertices (~STEP_KM steps) starting inside BOX.

    Correlated random walk: the heading drifts by N(0, 0.5 rad) each step, the step length is
    N(2 km, 0.2 km). Start points are uniform in the box; walks may leave it slightly.
    Built GEN_CHUNK routes at a time (the same random numbers as in one go), so that the
    temporary arrays stay small next to the routes themselves.
    """
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    lon0 = rng.uniform(BOX[0], BOX[2], n)
    lat0 = rng.uniform(BOX[1], BOX[3], n)
    heading = np.empty((n, VERTICES - 1))
    heading0 = rng.uniform(0, 2 * np.pi, (n, 1))
    for a in range(0, n, GEN_CHUNK):
        b = min(a + GEN_CHUNK, n)
        heading[a:b] = heading0[a:b] + np.cumsum(rng.normal(0, 0.5, (b - a, VERTICES - 1)), axis=1)
    lines = []
    for a in range(0, n, GEN_CHUNK):
        b = min(a + GEN_CHUNK, n)
        step = np.clip(rng.normal(STEP_KM, 0.2, (b - a, VERTICES - 1)), 0.1, None)
        dlat = step * np.cos(heading[a:b]) / 111.32
        lat = np.concatenate([lat0[a:b, None], lat0[a:b, None] + np.cumsum(dlat, axis=1)], axis=1)
        dlon = step * np.sin(heading[a:b]) / (111.32 * np.cos(np.radians(lat[:, :-1])))
        lon = np.concatenate([lon0[a:b, None], lon0[a:b, None] + np.cumsum(dlon, axis=1)], axis=1)
        coords = np.column_stack([lon.ravel(), lat.ravel()])
        lines.append(shapely.linestrings(coords, indices=np.repeat(np.arange(b - a), VERTICES)))
    del heading
    ids = np.char.add("r", np.char.zfill(np.arange(n).astype(str), 6)).astype(object)
    return gpd.GeoDataFrame({"route_id": ids}, geometry=np.concatenate(lines), crs="EPSG:4326")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


# --------------------------------------------------------------------------- workers (child processes)


def _timed(func, repeat: int) -> tuple:
    """Run ``func()`` ``repeat`` times; return its last result and the seconds of every run."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        runs.append(time.perf_counter() - t0)
    return out, runs


def run_package(n: int, seed: int, repeat: int) -> dict:
    from corridors.country_index import CountryIndex
    from corridors.layers import read_layer
    from corridors.metrics import route_metrics

    countries = read_layer("countries")
    routes = make_routes(n, seed)
    t0 = time.perf_counter()
    index = CountryIndex.from_countries(countries)
    t_index = time.perf_counter() - t0
    rss_before = _rss_mb()
    out, runs = _timed(lambda: route_metrics(routes, index), repeat)
    rss_peak = _rss_mb()
    assert len(out) == n, (len(out), n)
    return {
        "seconds": min(runs),
        "seconds_all_runs": runs,
        "index_seconds": t_index,
        "rss_before_mb": rss_before,
        "peak_rss_mb": rss_peak,
        "crossings_mean": float(out["crossings"].mean()),
        "length_km_mean": float(out["length_km"].mean()),
    }


def _geopandas_km(routes, countries):
    import geopandas as gpd
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    pieces = gpd.overlay(routes, countries[["iso_a2", "geometry"]], how="intersection", keep_geom_type=True)
    pieces["km"] = [geod.geometry_length(g) / 1000.0 for g in pieces.geometry]
    return pieces.groupby(["route_id", "iso_a2"], sort=False)["km"].sum()


def run_geopandas(n: int, seed: int, repeat: int) -> dict:
    from corridors.layers import read_layer

    countries = read_layer("countries")
    routes = make_routes(n, seed)
    rss_before = _rss_mb()
    km, runs = _timed(lambda: _geopandas_km(routes, countries), repeat)
    return {
        "seconds": min(runs),
        "seconds_all_runs": runs,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _rss_mb(),
        "pairs": len(km),
    }


def run_check(n: int, seed: int) -> dict:
    """Land km per route (and per route and country): package with tolerance_m=0 vs geopandas."""
    import pandas as pd
    import shapely

    from corridors.country_index import SEA, CountryIndex
    from corridors.layers import read_layer
    from corridors.metrics import route_metrics

    countries = read_layer("countries")
    routes = make_routes(n, seed)
    index = CountryIndex.from_countries(countries)
    t0 = time.perf_counter()
    pkg = route_metrics(routes, index, tolerance_m=0)
    t_pkg0 = time.perf_counter() - t0
    gp = _geopandas_km(routes, countries)
    rows = [
        (r, c, km)
        for r, d in zip(pkg["route_id"], pkg["km_by_country"], strict=True)
        for c, km in d.items()
        if c != SEA
    ]
    a = pd.Series([k for *_, k in rows], index=pd.MultiIndex.from_tuples([(r, c) for r, c, _ in rows]), dtype=float)
    b = gp.copy()
    b.index = b.index.set_names([None, None])
    ids = pkg["route_id"].to_numpy()
    land_a = a.groupby(level=0).sum().reindex(ids, fill_value=0.0)
    land_b = b.groupby(level=0).sum().reindex(ids, fill_value=0.0)
    denom = np.maximum(land_b.to_numpy(), 1e-9)
    rel = np.abs(land_a.to_numpy() - land_b.to_numpy()) / denom
    rel[(land_a.to_numpy() == 0) & (land_b.to_numpy() == 0)] = 0.0
    # The countries layer has polygons that overlap (e.g. AM/AZ around enclaves): overlay counts
    # such stretches once per polygon, route_metrics once (for one country). Those routes are
    # reported but excluded from the assertion.
    zones, pairs = _overlap_zones(countries)
    touched = shapely.intersects(routes.geometry.values, zones) if zones is not None else np.zeros(n, bool)
    touched = pd.Series(touched, index=routes["route_id"].to_numpy()).reindex(ids).to_numpy()
    rel_all = rel.copy()
    rel = np.where(touched, 0.0, rel)
    worst = int(np.argmax(rel))
    pair = pd.concat([a.rename("pkg"), b.rename("gpd")], axis=1).fillna(0.0)
    pair_abs = (pair["pkg"] - pair["gpd"]).abs()
    total = pkg["length_km"].to_numpy()
    return {
        "max_rel_diff_land_km": float(rel.max()),
        "max_rel_diff_land_km_all_routes": float(rel_all.max()),
        "routes_touching_overlaps": int(touched.sum()),
        "country_overlaps_km2": pairs,
        "worst_route": str(ids[worst]),
        "worst_route_pkg_km": float(land_a.iloc[worst]),
        "worst_route_gpd_km": float(land_b.iloc[worst]),
        "routes_with_land": int((land_b.to_numpy() > 0).sum()),
        "max_abs_diff_km_per_route_country": float(pair_abs.max()),
        "route_country_pairs_pkg": len(a),
        "route_country_pairs_gpd": len(b),
        "package_seconds_tolerance0": t_pkg0,
        "sea_km_share": float(1 - land_a.sum() / total.sum()),
    }


def _overlap_zones(countries):
    """Union of the areas where two country polygons overlap, and {"A/B": km2} per pair."""
    import shapely

    from corridors.geodesy import area_km2

    geoms, codes = countries.geometry.values, countries["iso_a2"].to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    parts, pairs = [], {}
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        inter = shapely.intersection(geoms[i], geoms[j])
        poly = shapely.get_parts(inter)
        poly = poly[shapely.get_type_id(poly) == 3]
        if len(poly):
            zone = shapely.union_all(poly)
            parts.append(zone)
            pairs[f"{codes[i]}/{codes[j]}"] = round(area_km2(zone), 3)
    return (shapely.union_all(parts) if parts else None), pairs


# --------------------------------------------------------------------------- maps (--maps)


def run_build_maps() -> dict:
    """Time ``corridors.pipeline.build_maps`` (all maps, from reading the layers) into a temporary folder."""
    import tempfile

    import folium  # noqa: F401  (imports are not what is measured)
    import geopandas  # noqa: F401

    from corridors.pipeline import build_maps

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        paths = build_maps(out)
        seconds = time.perf_counter() - t0
        sizes = {p.stem: p.stat().st_size for p in paths}
    return {"seconds": seconds, "bytes": sizes, "total_bytes": sum(sizes.values())}


def run_explore_maps() -> dict:
    """Time ``GeoDataFrame.explore()`` + ``folium.Map.save`` of the layers each map shows.

    Per map: the countries (full resolution), the Nakhchivan region, historic Azerbaijan where
    the map shows it, the map's routes and their crossings, each with ``explore(m=...)`` on one
    map, then ``m.save(...)``. The layers are
    read and analysed before the clock starts (only the drawing and saving are timed).
    """
    import tempfile

    import geopandas as gpd

    from corridors.pipeline import analyse

    data = analyse()  # as build_maps makes it; not timed
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        sizes = {}
        for spec in data.specs:
            m = data.countries.explore(name="countries")
            data.regions.explore(m=m, name="nakhchivan")
            if spec.historic:
                data.historic.explore(m=m, name="historic Azerbaijan")
            data.routes[data.routes["route_id"].isin(spec.route_ids)].explore(m=m, name="routes")
            points = data.crossings[data.crossings["route_id"].isin(spec.route_ids)]
            if len(points):
                gpd.GeoDataFrame(
                    points, geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs="EPSG:4326"
                ).explore(m=m, name="crossings")
            path = Path(out) / f"{spec.name}.html"
            m.save(path)
            sizes[spec.name] = path.stat().st_size
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "bytes": sizes, "total_bytes": sum(sizes.values())}


def compare_maps() -> dict:
    """Map build against explore(): times and file sizes, each side in a fresh process."""
    build = in_child(run_build_maps)
    explore = in_child(run_explore_maps)
    return {
        "build": build,
        "explore": explore,
        "time_ratio_build_over_explore": build["seconds"] / explore["seconds"],
        "size_ratio_explore_over_build": explore["total_bytes"] / build["total_bytes"],
    }


def in_child(func, *args):
    """Run func(*args) in a fresh 'spawn' process (clean peak RSS); return its result."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(func, args)


# --------------------------------------------------------------------------- main


def machine_info() -> dict:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    import geopandas
    import pandas
    import pyproj
    import shapely

    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "ram_total_gb": round(mem_kb / 1024**2, 1) if mem_kb else None,
        "python": sys.version.split()[0],
        "versions": {
            "numpy": np.__version__,
            "pandas": pandas.__version__,
            "shapely": shapely.__version__,
            "geopandas": geopandas.__version__,
            "pyproj": pyproj.__version__,
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--max-geopandas", type=int, default=10000, help="run geopandas only for N <= this")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per method and N; the fastest counts")
    parser.add_argument("--maps", action="store_true", help="also compare the map build with GeoDataFrame.explore()")
    args = parser.parse_args(argv)

    info = machine_info()
    print(f"machine: {info['platform']}, {info['cpu_count']} CPUs, {info['ram_total_gb']} GB RAM, {info['date']}")
    print(f"routes: random walks of {VERTICES} vertices, ~{STEP_KM} km steps, lon 44-50 lat 36-42, seed {args.seed}")
    print(f"geopandas overlay is run only for N <= {args.max_geopandas} (it is slow).\n", flush=True)

    results = []
    for n in args.sizes:
        row: dict = {"n": n}
        print(f"N={n}: package ...", flush=True)
        row["package"] = in_child(run_package, n, args.seed, args.repeat)
        row["package"]["routes_per_s"] = n / row["package"]["seconds"]
        if n <= args.max_geopandas:
            print(f"N={n}: geopandas ...", flush=True)
            row["geopandas"] = in_child(run_geopandas, n, args.seed, args.repeat)
            row["geopandas"]["routes_per_s"] = n / row["geopandas"]["seconds"]
            row["ratio_geopandas_over_package"] = row["geopandas"]["seconds"] / row["package"]["seconds"]
            print(f"N={n}: check (package tolerance_m=0 vs geopandas) ...", flush=True)
            row["check"] = in_child(run_check, n, args.seed)
        else:
            row["geopandas"] = None
            row["ratio_geopandas_over_package"] = None
            row["check"] = None
        results.append(row)

    # ---- table
    head = (
        f"{'N':>7} {'method':<10} {'seconds':>9} {'routes/s':>10} {'peak RSS MB':>12} {'(+run MB)':>10} {'gpd/pkg':>8}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for row in results:
        for name in ("package", "geopandas"):
            m = row[name]
            if m is None:
                print(f"{row['n']:>7} {name:<10} {'not run (N > ' + str(args.max_geopandas) + ')':>34}")
                continue
            ratio = f"{row['ratio_geopandas_over_package']:.1f}x" if name == "geopandas" else ""
            grow = m["peak_rss_mb"] - m["rss_before_mb"]
            print(
                f"{row['n']:>7} {name:<10} {m['seconds']:>9.3f} {m['routes_per_s']:>10.0f} "
                f"{m['peak_rss_mb']:>12.0f} {grow:>10.0f} {ratio:>8}"
            )
    idx = [r["package"]["index_seconds"] for r in results]
    if idx:  # none with --sizes and nothing after it (maps only)
        print(f"\nCountryIndex.from_countries: {min(idx):.3f} s (min over {len(idx)} runs, max {max(idx):.3f} s)")
    for row in results:
        if row["check"]:
            c = row["check"]
            print(
                f"check N={row['n']}: max rel diff of land km per route = {c['max_rel_diff_land_km']:.2e} "
                f"(worst {c['worst_route']}: {c['worst_route_pkg_km']:.4f} vs {c['worst_route_gpd_km']:.4f} km); "
                f"[all routes incl. {c['routes_touching_overlaps']} crossing overlapping country polygons: "
                f"{c['max_rel_diff_land_km_all_routes']:.2e}]; "
                f"max abs diff per (route, country) = {c['max_abs_diff_km_per_route_country']:.2e} km; "
                f"package tolerance_m=0 took {c['package_seconds_tolerance0']:.3f} s"
            )
    scaling = None
    by_n = {r["n"]: r for r in results}
    lo, hi = min(by_n, default=0), max(by_n, default=0)
    if hi > lo:
        per_lo = by_n[lo]["package"]["seconds"] / lo
        per_hi = by_n[hi]["package"]["seconds"] / hi
        scaling = {"n_small": lo, "n_large": hi, "per_route_ratio": per_hi / per_lo}
        print(f"package time per route at N={hi} / at N={lo}: {per_hi / per_lo:.2f}")
    maps = None
    if args.maps:
        print("\nmaps: corridors.pipeline.build_maps vs GeoDataFrame.explore() ...", flush=True)
        maps = compare_maps()
        print(
            f"build {maps['build']['seconds']:.2f} s, {maps['build']['total_bytes'] / 1e6:.2f} MB; "
            f"explore {maps['explore']['seconds']:.2f} s, {maps['explore']['total_bytes'] / 1e6:.2f} MB; "
            f"time build/explore {maps['time_ratio_build_over_explore']:.2f} (target <= 3), "
            f"size explore/build {maps['size_ratio_explore_over_build']:.2f} (target >= 5)"
        )

    out = {
        "machine": info,
        "seed": args.seed,
        "vertices_per_route": VERTICES,
        "step_km": STEP_KM,
        "box_lon_lat": BOX,
        "max_geopandas": args.max_geopandas,
        "repeat": args.repeat,
        "results": results,
        "per_route_scaling": scaling,
        "maps": maps,
        "command": " ".join(["python", "benchmarks/bench_metrics.py", *sys.argv[1:]]),
    }
    args.output.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {args.output}")

    failures = [r for r in results if r["check"] and not r["check"]["max_rel_diff_land_km"] < CHECK_RTOL]
    assert not failures, f"package and geopandas disagree (rel diff >= {CHECK_RTOL}) for N={[r['n'] for r in failures]}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
