"""The command line, run in-process; start-up stays light; the wheel works outside the repo."""

import json
import os
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import corridors
from corridors.cli import main
from corridors.geodesy import lengths_km
from corridors.layers import ROUTE_LAYERS, list_layers, read_layer

ROOT = Path(__file__).resolve().parent.parent


def test_layers_lists_every_layer(capsys):
    assert main(["layers", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["layer"] for r in rows] == list_layers()
    assert list(rows[0]) == ["layer", "features", "geometry", "source"]  # a column named geometry is kept
    assert {"countries", "events", "pipelines", "lakes", "rivers", "seas", "capitals", "admin1"} <= {
        r["layer"] for r in rows
    }


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
    """In a new virtual environment that sees the dependencies of the running one (a venv or not), offline."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("*.whl"))
    import zipfile

    assert "corridors/py.typed" in zipfile.ZipFile(wheel).namelist()
    assert wheel.name.startswith(f"corridors-{corridors.__version__}-")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The running interpreter's site-packages, after the new environment's own: its dependencies
    # without its `corridors` (a plain path line, so the .pth files there, an editable install's, are not run).
    outer = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(inner) / "outer_environment.pth").write_text("".join(f"{path}\n" for path in outer))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
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
    assert where.startswith(inner)


def test_swapped_lon_lat_warns_once_in_validate_and_metrics(tmp_path, capsys):
    path = tmp_path / "swapped.geojson"
    line = {"type": "LineString", "coordinates": [[39.0, 46.0], [40.0, 46.5]]}  # Azerbaijan as (lat, lon)
    feature = {"type": "Feature", "properties": {"route_id": "x"}, "geometry": line}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    for command in (["validate", str(path)], ["metrics", "--routes", str(path)]):
        assert main(command) == 0
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("corridors: warning: ") and "lon/lat swapped?" in err[0]
