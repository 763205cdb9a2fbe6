"""The build: deterministic output, equal to the committed maps/, and never half-written."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corridors.cli import main
from corridors.pipeline import MAP_NAMES

ROOT = Path(__file__).resolve().parent.parent


def test_two_builds_are_identical_small_and_equal_the_committed_maps(tmp_path):
    assert main(["build", "--out", str(tmp_path / "a")]) == 0
    assert main(["build", "--out", str(tmp_path / "b")]) == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(f"{n}.html" for n in MAP_NAMES)
    for name in names:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == (ROOT / "maps" / name).read_bytes(), name
        assert len(first) <= 2 * 1024 * 1024, name


@pytest.mark.parametrize("delay", [1.0, 5.0, 9.0])
def test_killed_build_leaves_old_or_complete_files(tmp_path, delay):
    out = tmp_path / "maps"
    out.mkdir()
    old = "<!DOCTYPE html>\n<html><body>previous build</body></html>\n"
    (out / "overview.html").write_text(old)
    process = subprocess.Popen([sys.executable, "-m", "corridors", "build", "--out", str(out)])
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    for path in out.iterdir():
        if path.name.startswith(".") and path.name.endswith(".part"):
            continue  # a temporary file, never read as output; the next build removes it
        text = path.read_text()
        assert text == old or text.rstrip().endswith("</html>")
    assert main(["build", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.html" for n in MAP_NAMES)
