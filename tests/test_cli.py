"""The command line, run in-process; start-up stays light; the wheel works outside the repo."""

import csv
import io
import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import corridors
from corridors._output import render
from corridors.cli import main
from corridors.geodesy import lengths_km
from corridors.layers import ROUTE_LAYERS, list_layers, read_layer

ROOT = Path(__file__).resolve().parent.parent


def test_layers_lists_all_ten(capsys):
    assert main(["layers", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["layer"] for r in rows] == list_layers()
    assert list(rows[0]) == ["layer", "features", "geometry", "source"]  # a column named geometry is kept
    assert len(rows) == 10


def test_metrics_json_agrees_with_independent_geodesic_measure(capsys):
    """Within 0.1% of pyproj's own Geod.geometry_length on the same geometries (issue #3)."""
    from pyproj import Geod

    assert main(["metrics", "--format", "json"]) == 0
    rows = {r["route_id"]: r for r in json.loads(capsys.readouterr().out)}
    geod = Geod(ellps="WGS84")
    for name in ROUTE_LAYERS:
        layer = read_layer(name)
        for route_id, group in layer.groupby("route_id"):
            expected = sum(geod.geometry_length(g) for g in group.geometry) / 1000
            assert rows[route_id]["length_km"] == pytest.approx(expected, rel=1e-3)
            assert sum(rows[route_id]["km_by_country"].values()) == pytest.approx(expected, rel=1e-6)
    assert rows["zangezur"]["country_sequence"] == ["AZ", "AM", "AZ", "TR"]
    assert rows["zangezur"]["crossings"] == 3
    assert rows["aras_corridor"]["crossings"] == 2
    assert rows["astara_rasht"]["crossings"] == 1


def test_crossings_name_the_exclave(capsys):
    assert main(["crossings", "--route", "zangezur", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["from"], r["to"]) for r in rows] == [("AZ", "AM"), ("AM", "AZ"), ("AZ", "TR")]
    assert rows[1]["arrives_in"] == "Nakhchivan Autonomous Republic"
    assert rows[2]["border_post"] == "Sadarak – Dilucu"


def test_csv_and_table_formats(capsys):
    assert main(["metrics", "--route", "astara_rasht", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("route_id,route_name,length_km")
    assert main(["historic"]) == 0
    assert "with_zanjan" in capsys.readouterr().out


def test_unknown_route_is_one_line_exit_2(capsys):
    assert main(["metrics", "--route", "nowhere"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\nfrom corridors.cli import _parser\n"
        "try:\n    _parser().parse_args(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('geopandas', 'folium', 'pyproj', 'shapely', 'pandas') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY="


def test_build_named_map_and_unknown_map(tmp_path, capsys):
    assert main(["build", "astara_rasht", "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["astara_rasht.html"]
    progress = capsys.readouterr().err.splitlines()  # not a terminal: one line per step
    assert [line.split("] ")[1] for line in progress] == ["1/2 analysis", "2/2 astara_rasht"]
    assert main(["build", "nowhere", "--out", str(tmp_path)]) == 2
    assert "unknown map nowhere" in capsys.readouterr().err


def test_lengths_are_positive():
    assert (lengths_km(read_layer("zangezur_route").geometry.values) > 0).all()


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], check=True, capture_output=True
    )
    wheel = next(dist.glob("*.whl"))
    import zipfile

    assert "corridors/py.typed" in zipfile.ZipFile(wheel).namelist()
    assert wheel.name.startswith(f"corridors-{corridors.__version__}-")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (itself maybe a virtual environment,
    # whose packages system_site_packages does not reach); the wheel's own corridors comes first.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(env_dir / "bin" / "corridors"), *args], cwd=outside, env=env, capture_output=True, text=True, check=True
    )
    assert "zangezur_route" in run("layers").stdout
    assert "AZ → AM → AZ → TR" in run("metrics", "--route", "zangezur").stdout
    run("build", "astara_rasht", "--out", str(outside / "maps"))
    assert (outside / "maps" / "astara_rasht.html").exists()
    where = subprocess.run(
        [str(python), "-c", "import corridors; print(corridors.__file__)"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where


# --- what analysts expect (issue 11) ---------------------------------------------------------


def test_version_from_one_source(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"corridors {corridors.__version__}"
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()


def test_build_help_lists_the_maps(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "overview, nakhchivan_access" in " ".join(capsys.readouterr().out.split())


def test_package_dir_shows_the_lazy_names():
    names = dir(corridors)
    assert {"read_routes", "route_metrics", "CorridorNetwork", "PlaceNotFoundError"} <= set(names)
    assert set(corridors.__all__) == {*corridors._EXPORTS, "__version__"} and set(corridors.__all__) <= set(names)
    assert all(getattr(corridors, name) is not None for name in corridors.__all__)
    assert (ROOT / "corridors" / "py.typed").exists()


@pytest.mark.parametrize("command", [["metrics"], ["crossings"], ["compare", "Baku", "Nakhchivan"], ["places"]])
def test_same_columns_in_every_format(capsys, command):
    assert main([*command, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main([*command, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    header = next(csv.reader(io.StringIO(text)))
    json_columns = list(rows[0])
    # CSV: the same columns in the same order, a dictionary column spread over one column per key.
    assert [c for c in json_columns if not isinstance(rows[0][c], dict)] == [
        h for h in header if not any(isinstance(rows[0][c], dict) and h.startswith(f"{c}_") for c in json_columns)
    ]
    assert "{" not in text and "'" not in text.replace("Sowme'eh", "")  # no Python dict or list reprs
    assert "-0.0" not in text and "e-" not in text
    assert main([*command, "--format", "table"]) == 0
    table = capsys.readouterr().out
    for column in json_columns:
        assert column in table


def test_csv_rounds_km_to_a_tenth(capsys):
    assert main(["metrics", "--route", "zangezur", "--route", "baku_tbilisi_kars", "--format", "csv"]) == 0
    row = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["length_km"] == "517.8" and row["km_by_country_AM"] == "43.2"
    assert row["km_by_country_GE"] == "0.0"  # a country of another route: one column per country


def test_render_removes_negative_zero_and_noise():
    import pandas as pd

    frame = pd.DataFrame({"route_id": ["a"], "extra_km": [-1e-12], "km_by_country": [{"AZ": 3e-16}]})
    assert render(frame, "csv") == "route_id,extra_km,km_by_country_AZ\na,0.0,0.0\n"
    assert json.loads(render(frame, "json"))[0] == {"route_id": "a", "extra_km": 0.0, "km_by_country": {"AZ": 0.0}}


def test_table_fits_the_terminal():
    import pandas as pd

    frame = pd.DataFrame({"route_id": ["a", "b"], "path": [["Baku"] * 30, ["Alat"]], "length_km": [1.0, 2.0]})
    text = render(frame, "table", width=80)
    assert all(len(line) <= 80 for line in text.splitlines() if not line.startswith("path"))
    assert render(frame[["route_id", "length_km"]], "table", width=80).splitlines()[0].split() == [
        "route_id",
        "length_km",
    ]


@pytest.mark.parametrize(
    ("command", "geometry"),
    [
        (["metrics", "--route", "zangezur"], "MultiLineString"),
        (["crossings", "--route", "zangezur"], "Point"),
        (["compare", "Baku", "Nakhchivan"], "MultiLineString"),
        (["places"], "Point"),
        (["routes"], "MultiLineString"),
    ],
)
def test_geojson_output(capsys, command, geometry):
    assert main([*command, "--format", "geojson"]) == 0
    collection = json.loads(capsys.readouterr().out)
    assert collection["type"] == "FeatureCollection" and collection["features"]
    assert {f["geometry"]["type"] for f in collection["features"]} == {geometry}
    from shapely.geometry import shape

    west, south, east, north = shape(collection["features"][0]["geometry"]).bounds  # longitude first
    assert 30 < west <= east < 80 and 10 < south <= north < 60


def test_places_and_routes_list_what_can_be_named(capsys):
    assert main(["places", "--format", "json"]) == 0
    places = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert places["baku"]["country"] == "AZ" and "Bakı" in places["baku"]["aliases"] + places["baku"]["alternate_names"]
    assert main(["routes", "--format", "json"]) == 0
    routes = {r["route_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert routes["zangezur"]["segments"] == 4 and routes["zangezur"]["geometry_quality"]
    assert set(routes["zangezur"]["status"]) == {"under_construction", "planned", "operational"}


def test_route_name_is_not_the_first_segment_name(routes, index):
    from corridors.metrics import route_metrics

    named = routes.assign(route_name=routes["route_id"].str.upper())
    frame = route_metrics(named, index).set_index("route_id")
    assert frame.loc["zangezur", "route_name"] == "ZANGEZUR"
    plain = route_metrics(routes.drop(columns=[c for c in ("route_name",) if c in routes]), index)
    first_segment = routes.groupby("route_id", sort=False)["name"].first()
    assert (plain.set_index("route_id")["route_name"] != first_segment.reindex(plain["route_id"]).values).all()
