"""Bad input files end in ValidationError (API) or one line on stderr with exit 2 (CLI)."""

from pathlib import Path

import pytest

from corridors.cli import main
from corridors.errors import ValidationError
from corridors.layers import read_routes

HERE = Path(__file__).parent / "bad_inputs"
BAD = sorted(p for p in HERE.glob("*.geojson") if not p.name.startswith("ok_"))
OK = sorted(HERE.glob("ok_*.geojson"))

# What each message must say, beyond naming the file.
EXPECTED = {
    "not_json": "not valid JSON",
    "truncated": "truncated",
    "empty_file": "is empty",
    "whitespace_only": "is empty",
    "missing_geometry": "geometry is null",
    "null_geometry": "geometry is null",
    "point_instead_of_line": "geometry type Point is not allowed",
    "polygon_instead_of_line": "geometry type Polygon is not allowed",
    "linestring_one_point": "at least two distinct positions",
    "linestring_repeated_point": "at least two distinct positions",
    "coordinates_out_of_range": "out of range",
    "latitude_out_of_range": "out of range",
    "lon_lat_swapped": "look like (latitude, longitude)",
    "nan_coordinates": "NaN",
    "infinite_coordinates": "Infinity",
    "string_coordinates": "not [lon, lat] number pairs",
    "projected_crs_declared_but_degrees": "coordinates look like degrees",
    "unknown_crs": "unknown CRS",
    "duplicate_ids": "duplicate id 'r1'",
    "unknown_status": "status 'maybe_someday' is not one of",
    "unknown_mode": "mode 'hyperloop' is not one of",
    "bad_countries_codes": "ISO 3166-1 alpha-2",
    "non_utf8_bytes": "not UTF-8",
    "not_a_geojson_object": "not a GeoJSON object",
    "wrong_geojson_type": "'Topology'",
    "features_not_a_list": "no 'features' list",
    "feature_not_a_feature": "is not a GeoJSON Feature",
    "properties_not_an_object": "properties is not an object",
    "name_10000_characters": "10,000 characters",
    "no_features": "has no features",
    "several_problems_at_once": "4 problems",
    "coordinates_not_nested": "not [lon, lat] number pairs",
    "coordinates_overflow": "out of range",  # measuring it once overflowed (a RuntimeWarning)
    "nested_100000_deep": "nested 100,000 deep (limit 20)",
    "name_900_deep": "deep (limit 20)",
    "integer_400_digits": "integer of 400 digits (limit 18)",
    "integer_5000_digits": "integer of 5,000 digits (limit 18)",
    "number_beyond_float": "'39e999' is beyond the range of a 64-bit float",
    "position_4d": "more than 3 values",
    "lone_surrogate": "lone UTF-16 surrogate",
    "crs_properties_not_an_object": "'crs' member has no 'properties' object",
    "crs_vertical": "is of type Vertical CRS",
    "crs_engineering": "is of type Engineering CRS",
    "duplicate_keys": "duplicate key 'name'",
    "too_many_property_names": "more than 100 distinct property names",
    "outside_the_crs_domain": "outside the domain of CRS",
}


def test_corpus_is_complete():
    assert len(BAD) >= 45
    assert {p.stem for p in BAD} == set(EXPECTED)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_api_raises_specific_error(path):
    with pytest.raises(ValidationError, match=None) as info:
        read_routes(path)
    message = str(info.value)
    assert str(path) in message
    assert EXPECTED[path.stem] in message


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
@pytest.mark.parametrize("command", ["validate", "metrics"])
def test_cli_prints_one_line_and_exits_2(path, command, capsys):
    argv = ["validate", str(path)] if command == "validate" else ["metrics", "--routes", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("corridors: error:")
    assert "Traceback" not in err


def test_every_problem_is_listed():
    with pytest.raises(ValidationError) as info:
        read_routes(HERE / "several_problems_at_once.geojson")
    problems = info.value.problems
    assert any("'a'" in p and "null" in p for p in problems)
    assert any("'b'" in p and "status" in p for p in problems)
    assert any("'c'" in p and "two distinct" in p for p in problems)


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_documented_accepted_inputs(path):
    frame = read_routes(path)
    assert len(frame) == 1
    assert frame.crs.to_epsg() == 4326
    assert not frame.geometry.has_z.any()  # heights are dropped
    lon, lat = frame.geometry.iloc[0].coords[0]
    assert 44 < lon < 46 and 38.5 < lat < 39.5


def test_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "two_hundred_mb.geojson"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no disk, no memory
    with pytest.raises(ValidationError, match="larger than the 64 MiB limit"):
        read_routes(big)


def test_geodataframe_without_crs_is_refused():
    import geopandas as gpd
    from shapely.geometry import LineString

    frame = gpd.GeoDataFrame(geometry=[LineString([(45, 39), (46, 39)])])
    with pytest.raises(ValidationError, match="no CRS"):
        read_routes(frame)
