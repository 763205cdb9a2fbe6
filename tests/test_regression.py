"""Stable numbers: the bundled routes' metrics match the reviewed regression file.

A change of data or code that moves a number must update tests/regression/route_metrics.json
in the same commit (regenerate with ``python tests/test_regression.py``).
"""

import json
import sys
from pathlib import Path

import pytest

import corridors.layers as layers
from corridors.metrics import route_metrics

EXPECTED = Path(__file__).parent / "regression" / "route_metrics.json"


def current() -> dict:
    table = route_metrics(
        layers.read_route_layers(), layers.read_layer("countries"), places=layers.read_layer("places")
    )
    return {
        row.route_id: {
            "length_km": round(row.length_km, 3),
            "km_by_country": {k: round(v, 3) for k, v in row.km_by_country.items()},
            "country_sequence": row.country_sequence,
            "crossings": int(row.crossings),
            "port_calls": row.port_calls,
            "along_border_km": round(row.along_border_km, 3),
        }
        for row in table.itertuples()
    }


def test_metrics_match_regression_file():
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = current()
    assert sorted(got) == sorted(expected)
    for route_id, want in expected.items():
        have = got[route_id]
        assert have["country_sequence"] == want["country_sequence"], route_id
        assert have["crossings"] == want["crossings"], route_id
        assert have["port_calls"] == want["port_calls"], route_id
        assert have["length_km"] == pytest.approx(want["length_km"], abs=0.002), route_id
        assert have["along_border_km"] == pytest.approx(want["along_border_km"], abs=0.002), route_id
        for code, km in want["km_by_country"].items():
            assert have["km_by_country"][code] == pytest.approx(km, abs=0.002), (route_id, code)


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(current(), indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(0)
