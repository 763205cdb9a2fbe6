"""Hostile GeoJSON, generated: every document is accepted or refused in one bounded line, never a traceback."""

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridors.cli import MAX_LINE, main
from corridors.errors import ValidationError
from corridors.layers import read_routes

MARK = "Ω"  # long hostile text is made of it: no message may echo more than 200 in a row
PREFIX = "corridors: error: "

text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["<script>x</script>", "{{7*7}}", "${x}", "`", "\u202e", "\x00\x07\x1b", "\ud800", "\udfff"]),
    st.integers(201, 3000).map(lambda n: MARK * n),
)
numbers = st.one_of(
    st.floats(-200, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
    st.integers(1, 1200).map(lambda n: 10**n),
    st.sampled_from([1e308, -1e308, 5e-324, 0.0]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=12
)
near = st.tuples(st.floats(44, 47), st.floats(38.5, 40))  # inside the region: often a valid route
position = st.one_of(
    near.map(list),
    st.tuples(st.floats(44, 47), st.floats(38.5, 40), numbers).map(list),
    st.lists(numbers, max_size=5),
    values,
)
line = st.lists(position, min_size=0, max_size=5)
geometry_type = st.sampled_from(["LineString", "MultiLineString", "Point", "Polygon", "GeometryCollection"]) | text
geometry = st.one_of(
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, line),
    st.builds(lambda c: {"type": "MultiLineString", "coordinates": c}, st.lists(line, max_size=3)),
    st.builds(lambda t, c: {"type": t, "coordinates": c}, geometry_type, values),
    values,
)
properties = st.one_of(
    st.dictionaries(
        st.sampled_from(["name", "mode", "status", "countries", "route_id"]) | text,
        values | st.sampled_from(["rail", "road", "planned", "AZ", ["AZ", "AM"], ["az"]]),
        max_size=6,
    ),
    values,
)
feature = st.builds(
    lambda g, p, i: {"type": "Feature", "id": i, "properties": p, "geometry": g},
    geometry,
    properties,
    st.none() | st.integers(0, 3) | text | values,
)
crs_name = st.sampled_from(["EPSG:4326", "urn:ogc:def:crs:EPSG::32638", "EPSG:5773", "EPSG:4978", "EPSG:9518"]) | text
crs = st.one_of(st.none(), crs_name.map(lambda n: {"type": "name", "properties": {"name": n}}), values)
collection = st.builds(
    lambda features, c: {"type": "FeatureCollection", "features": features, **({"crs": c} if c is not None else {})},
    st.lists(feature, max_size=4) | values,
    crs,
)
document = st.one_of(collection, feature, geometry, values)


@st.composite
def files(draw):
    """Bytes of a document: JSON with its own oddities (NaN, big numbers, surrogates, deep wrapping)."""
    doc = draw(document)
    ascii_only = draw(st.booleans())
    raw = json.dumps(doc, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    depth = draw(st.sampled_from([0, 0, 0, 5, 30, 3000]))
    return b"[" * depth + raw + b"]" * depth


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(raw=files())
def test_any_document_is_accepted_or_refused_in_one_line(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("fuzz") / "routes.geojson"
    path.write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["validate", str(path)])
    message = err.getvalue()
    assert status in (0, 2)
    assert "Traceback" not in message and MARK * 201 not in message + out.getvalue()
    if status == 2:
        assert message.count("\n") == 1 and message.startswith(PREFIX)
        assert len(message) <= len(PREFIX) + MAX_LINE + 40
        return
    assert message == "" and "valid route features" in out.getvalue()
    frame = read_routes(path)  # accepted: the table must also be written out as JSON, in UTF-8
    frame.to_json().encode("utf-8")


def test_validation_error_lists_twenty_problems_each_value_cut(tmp_path):
    features = [{"type": "Feature", "properties": {"status": MARK * 5000}, "geometry": None} for _ in range(50)]
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(ValidationError) as info:
        read_routes(path)
    assert len(info.value.problems) == 150 and str(info.value).endswith("; and 130 more")
    assert MARK * 201 not in str(info.value) and "(+4,940 characters)" in str(info.value)
