"""Route files in the formats analysts hold: the same routes, the same validation, the same answers."""

import json

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from corridors.cli import main
from corridors.errors import ValidationError
from corridors.layers import layer_path, read_layer, read_routes
from corridors.metrics import route_metrics
from corridors.readers import read_vector_file

FORMATS = {"gpkg": "GPKG", "fgb": "FlatGeobuf", "shp": "ESRI Shapefile", "parquet": None}


def write(frame, path):
    if path.suffix == ".parquet":
        frame.to_parquet(path)
        return
    flat = frame.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, list)).any():
            flat[column] = flat[column].map(json.dumps)
    # FlatGeobuf's spatial index stores features in index order, which would shuffle a route's segments.
    options = {"SPATIAL_INDEX": "NO"} if path.suffix == ".fgb" else {}
    flat.to_file(path, driver=FORMATS[path.suffix[1:]], engine="pyogrio", layer_options=options)


@pytest.fixture(scope="module")
def zangezur():
    return read_layer("zangezur_route")[["route_id", "mode", "status", "countries", "geometry"]]


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_each_format_reads_like_geojson(tmp_path, zangezur, index, suffix):
    path = tmp_path / f"routes.{suffix}"
    write(zangezur.to_crs(32638), path)  # a projected CRS: reprojected on reading
    frame = read_routes(path)
    assert frame.crs.equals("EPSG:4326") and list(frame["countries"].iloc[1]) == ["AZ", "AM", "AZ"]
    got = route_metrics(frame, index).iloc[0]
    expected = route_metrics(read_routes(layer_path("zangezur_route")), index).iloc[0]
    assert got["length_km"] == pytest.approx(expected["length_km"], rel=1e-6)
    assert got["country_sequence"] == expected["country_sequence"]


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_each_format_is_validated(tmp_path, suffix):
    point = Point(45, 40) if suffix != "shp" else LineString([(45, 95), (46, 95)])  # one geometry type per .shp
    bad = gpd.GeoDataFrame(
        {"route_id": ["a", "b"], "mode": ["rail", "teleport"]},
        geometry=[LineString([(45, 40), (46, 40)]), point],
        crs=4326,
    )
    path = tmp_path / f"bad.{suffix}"
    write(bad, path)
    with pytest.raises(ValidationError) as caught:
        read_routes(path)
    text = str(caught.value)
    assert str(path) in text and "feature #1: mode 'teleport'" in text
    assert ("Point is not allowed" if suffix != "shp" else "out of range") in text


def test_unknown_suffix_and_unreadable_file(tmp_path):
    kml = tmp_path / "routes.kml"  # another suffix is read as GeoJSON, as before: refused, not guessed
    kml.write_text("<kml/>")
    with pytest.raises(ValidationError, match="routes.kml"):
        read_routes(kml)
    with pytest.raises(ValidationError, match="unknown format '.kml'"):
        read_vector_file(kml, kind="routes")
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a database")
    with pytest.raises(ValidationError, match="cannot be read as gpkg"):
        read_routes(broken)


def test_cli_takes_a_geopackage(tmp_path, zangezur, capsys):
    path = tmp_path / "routes.gpkg"
    write(zangezur, path)
    assert main(["validate", str(path)]) == 0
    assert f"{len(zangezur)} valid route features" in capsys.readouterr().out
    assert main(["metrics", "--routes", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["country_sequence"] == ["AZ", "AM", "AZ", "TR"]


@pytest.mark.parametrize("suffix", ["gpkg", "parquet"])
def test_too_many_property_columns_are_refused_before_reading(tmp_path, suffix):
    columns = {f"p{i}": [i] for i in range(101)}
    frame = gpd.GeoDataFrame({"route_id": ["r"], **columns}, geometry=[LineString([(45, 40), (46, 40)])], crs=4326)
    path = tmp_path / f"wide.{suffix}"
    write(frame, path)
    with pytest.raises(ValidationError, match="property columns; at most 100"):
        read_routes(path)


def test_a_folder_with_a_vector_suffix_is_refused(tmp_path):
    (tmp_path / "routes.gpkg").mkdir()
    with pytest.raises(ValidationError, match="not a regular file"):
        read_routes(tmp_path / "routes.gpkg")
