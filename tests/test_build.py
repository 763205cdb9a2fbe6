"""The build: deterministic output, equal to the committed maps/, and never half-written."""

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import corridors._files as files
import corridors.pipeline as pipeline
from corridors.cli import main
from corridors.pipeline import MAP_NAMES

ROOT = Path(__file__).resolve().parent.parent
OLD = "<!DOCTYPE html>\n<html><body>previous build</body></html>\n"

# Runs `corridors build` on a pickled analysis and SIGKILLs itself halfway through writing
# the N-th file: a kill at a known point of the write, not at a moment of the clock.
KILLER = """
import os, pickle, signal, sys
import corridors._files as files
import corridors.pipeline as pipeline

with open(sys.argv[1], "rb") as handle:
    analysis = pickle.load(handle)
pipeline.analyse = lambda *args, **kwargs: analysis
kill_at, calls, write_all = int(sys.argv[3]), [], files._write_all

def write_then_die(handle, data):
    calls.append(len(data))
    if len(calls) == kill_at:
        write_all(handle, data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    write_all(handle, data)

files._write_all = write_then_die
from corridors.cli import main
sys.exit(main(["build", "--quiet", "--out", sys.argv[2], *sys.argv[4:]]))
"""


def test_build_is_deterministic_small_and_equals_the_committed_maps(tmp_path, analysis, monkeypatch):
    monkeypatch.setattr(pipeline, "analyse", lambda *args, **kwargs: analysis)  # computed once for this file
    assert main(["build", "--quiet", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"{n}.html" for n in MAP_NAMES)
    for name in names:
        built = (tmp_path / name).read_bytes()
        assert built == (ROOT / "maps" / name).read_bytes(), name  # built by another process
        assert len(built) <= 2 * 1024 * 1024, name


SOME = ("overview", "astara_rasht")  # two maps, written in this order: the kill tests stay fast


@pytest.mark.parametrize("kill_at", [1, 2])
def test_killed_build_leaves_old_or_complete_files(tmp_path, analysis, kill_at, monkeypatch):
    pickled = tmp_path / "analysis.pickle"
    pickled.write_bytes(pickle.dumps(analysis))
    out = tmp_path / "maps"
    out.mkdir()
    for name in SOME:
        (out / f"{name}.html").write_text(OLD)
    users = [out / ".notes.part", out / ".overview.html.part", out / ".x.abcdefgh.part"]
    for path in users:
        path.write_text("the user's own file")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLER, str(pickled), str(out), str(kill_at), *SOME], env=env)
    assert done.returncode == -signal.SIGKILL  # killed, not finished

    temporaries = [p for p in out.iterdir() if files.is_own_temporary(p.name)]
    assert len(temporaries) == 1  # the kill came in the middle of a write
    killed = SOME[kill_at - 1]
    assert temporaries[0].name.startswith(f".{killed}.html.")
    complete = (ROOT / "maps" / f"{killed}.html").read_bytes()
    assert 0 < temporaries[0].stat().st_size < len(complete)
    for position, name in enumerate(SOME, start=1):
        path = out / f"{name}.html"
        if position < kill_at:
            assert path.read_bytes() == (ROOT / "maps" / path.name).read_bytes(), name
        else:
            assert path.read_text() == OLD, name  # the previous version, never half-written

    monkeypatch.setattr(pipeline, "analyse", lambda *args, **kwargs: analysis)
    assert main(["build", "--quiet", "--out", str(out), *SOME]) == 0
    left = sorted(p.name for p in out.iterdir())
    assert left == sorted([f"{n}.html" for n in SOME] + [p.name for p in users])
    assert all((out / f"{n}.html").read_bytes() == (ROOT / "maps" / f"{n}.html").read_bytes() for n in SOME)
    assert all(p.read_text() == "the user's own file" for p in users)


def test_write_atomic_syncs_before_the_rename(tmp_path, monkeypatch):
    events = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), replace(a, b))[1])
    files.write_atomic(tmp_path / "a.html", "text")
    assert events[:2] == ["fsync", "replace"]
    assert (tmp_path / "a.html").read_text() == "text"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_write_atomic_honours_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        files.write_atomic(tmp_path / "a.html", b"bytes")
        with open(tmp_path / "b.html", "w") as plain:  # what an ordinary write gives
            plain.write("x")
    finally:
        os.umask(previous)
    mode = (tmp_path / "a.html").stat().st_mode & 0o777
    assert mode == 0o666 & ~umask == (tmp_path / "b.html").stat().st_mode & 0o777


def test_failed_write_leaves_no_temporary(tmp_path, monkeypatch):
    def disk_full(handle, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "_write_all", disk_full)
    with pytest.raises(OSError, match="No space left"):
        files.write_atomic(tmp_path / "a.html", "text")
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "maps"
    target.write_text("a file")
    assert main(["build", "--quiet", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err
    assert main(["build", "--quiet", "--out", str(target / "below")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Not a directory" in err and "Traceback" not in err


def test_read_only_out_is_one_line(tmp_path, capsys, monkeypatch):
    """A read-only mount (simulated: the tests may run as root, which ignores permissions)."""

    def read_only(self, *args, **kwargs):
        raise OSError(30, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    assert main(["build", "--quiet", "--out", str(tmp_path / "maps")]) == 2
    err = capsys.readouterr().err
    assert err == f"corridors: error: {str(tmp_path / 'maps')!r}: Read-only file system\n"
