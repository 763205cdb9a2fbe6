"""The data build's track graph (scripts/tracks.py) on tiny synthetic tracks with known answers."""

import re
import sys
from pathlib import Path

import networkx as nx
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import tracks  # noqa: E402


def _graph(*lines):
    graph = nx.Graph()
    for line in lines:
        tracks._add_line(graph, line, "rail")
    return graph


def test_ways_sharing_a_vertex_share_a_node_and_edges_are_geodesic_metres():
    graph = _graph([(45.0, 40.0), (45.01, 40.0)], [(45.01, 40.0), (45.01, 40.01)])
    assert graph.number_of_nodes() == 3
    path = nx.shortest_path(graph, (45.0, 40.0), (45.01, 40.01), weight="m")
    assert len(path) == 3
    # 0.01 degree of longitude at 40°N is about 853 m; 0.01 degree of latitude about 1,111 m.
    assert graph[(45.0, 40.0)][(45.01, 40.0)]["m"] == pytest.approx(853.4, abs=1.0)
    assert graph[(45.01, 40.0)][(45.01, 40.01)]["m"] == pytest.approx(1111.0, abs=1.0)


def test_gaps_shorter_than_the_limit_are_bridged_longer_ones_are_not():
    near = _graph([(45.0, 40.0), (45.01, 40.0)], [(45.015, 40.0), (45.03, 40.0)])  # 427 m apart
    far = _graph([(45.0, 40.0), (45.01, 40.0)], [(45.03, 40.0), (45.05, 40.0)])  # 1.7 km apart
    tracks._bridge_gaps(near)
    tracks._bridge_gaps(far)
    assert nx.is_connected(near)
    assert near[(45.01, 40.0)][(45.015, 40.0)]["kind"] == "gap"
    assert not nx.is_connected(far)


def test_visit_adds_a_spur_to_the_place_and_back():
    line = [(45.0, 40.0), (45.01, 40.0), (45.02, 40.0)]
    assert tracks.visit(line, (45.011, 40.02)) == [
        (45.0, 40.0),
        (45.01, 40.0),
        (45.011, 40.02),
        (45.01, 40.0),
        (45.02, 40.0),
    ]


RAW = Path(__file__).parents[1] / "scripts" / "raw"


def _raw_table():
    rows = [line.split("|") for line in (RAW / "README.md").read_text(encoding="utf-8").splitlines()]
    return [(r[1].strip(" `"), r[-2].strip()) for r in rows if len(r) > 3 and r[1].strip().startswith("`")]


@pytest.mark.parametrize(("name", "digest"), _raw_table())
def test_raw_files_match_their_recorded_sha256(name, digest):
    import hashlib

    assert hashlib.sha256((RAW / name).read_bytes()).hexdigest() == digest


def test_the_build_reads_nothing_outside_the_repository():
    """A user's clone has no ../shared: the raw inputs live in scripts/raw (issue #12)."""
    for script in ("build_geodata.py", "tracks.py", "annotate.py"):
        text = (RAW.parent / script).read_text(encoding="utf-8")
        assert not re.search(r"[\"']shared[\"'/]|\.\./|ROOT\.parent", text), script
