"""Huge and strange inputs: bounded memory, bounded reads, one error line (issue 14)."""

import errno
import json
import os
import threading
import warnings
from pathlib import Path

import pytest
from _memory_limit import run_under_memory_limit

from corridors import _limits, _validate
from corridors.cli import main
from corridors.errors import ValidationError

LINE = {"type": "LineString", "coordinates": [[45.0, 39.0], [45.5, 39.2]]}


def write_collection(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path.stat().st_size


def one_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("corridors: error: ") and "Traceback" not in err
    return err


def test_500_features_with_500_distinct_keys_are_refused_cheaply(tmp_path):
    """Once 9.9 GB: each key became a column of a dense 500 x 250,000 table."""
    path = tmp_path / "keys.geojson"
    features = [
        {"type": "Feature", "properties": {f"k{f}_{k}": k for k in range(500)}, "geometry": LINE} for f in range(500)
    ]
    size = write_collection(path, features)
    done = run_under_memory_limit(["validate", str(path)], size)
    assert done.returncode == 2 and "more than 100 distinct property names" in done.stderr


def test_wide_accepted_file_fits_the_memory_target(tmp_path):
    path = tmp_path / "wide.geojson"
    features = [
        {
            "type": "Feature",
            "id": f"r{f}",
            "properties": {f"key{k}": f"value {k} of {f}" for k in range(_validate.MAX_PROPERTY_KEYS)},
            "geometry": {"type": "LineString", "coordinates": [[45.0 + f * 1e-4, 39.0], [45.5, 39.2], [45.7, 39.1]]},
        }
        for f in range(2000)
    ]
    size = write_collection(path, features)
    done = run_under_memory_limit(["validate", str(path)], size)
    assert done.returncode == 0 and "2000 valid route features" in done.stdout


def test_dev_zero_is_read_no_further_than_the_limit():
    """A device states no size: the read stops at 64 MiB + 1 byte (it once read until MemoryError)."""
    done = run_under_memory_limit(["validate", "/dev/zero"], 0, limit_bytes=300 * 2**20 + 3 * _limits.MAX_FILE_BYTES)
    assert done.returncode == 2 and "the stream is larger than the 64 MiB limit" in done.stderr


def test_fifo_streaming_forever_is_cut_at_the_limit(tmp_path, capsys):
    fifo = tmp_path / "stream.geojson"
    os.mkfifo(fifo)
    written = []

    def write_forever():  # until the reader hangs up, and at most 128 MiB
        try:
            with open(fifo, "wb") as stream:
                for _ in range(2048):
                    stream.write(b" " * 65536)
                    written.append(1)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    assert main(["validate", str(fifo)]) == 2
    writer.join(timeout=60)
    assert "the stream is larger than the 64 MiB limit" in one_line(capsys)
    assert len(written) < 2048  # the reader stopped first


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "is a folder, not a file"),
        (lambda tmp: "", "no file name given (the path is empty)"),
        (lambda tmp: tmp / "missing.geojson", "cannot be read (No such file or directory)"),
        (lambda tmp: tmp / "file.geojson" / "below.geojson", "cannot be read (Not a directory)"),
        (lambda tmp: tmp / ("x" * 5000), "cannot be read (File name too long)"),
    ],
    ids=["folder", "empty", "missing", "below_a_file", "name_too_long"],
)
@pytest.mark.parametrize("command", ["validate", "metrics"])
def test_paths_that_are_not_files_are_one_line(tmp_path, capsys, make, message, command):
    (tmp_path / "file.geojson").write_text("{}")
    path = str(make(tmp_path))
    assert main(["validate", path] if command == "validate" else ["metrics", "--routes", path]) == 2
    err = one_line(capsys)
    assert message in err and len(err) < 600


def test_unreadable_file_is_one_line(tmp_path, capsys, monkeypatch):
    """Permission denied (simulated: the tests may run as root, which reads every file)."""
    path = tmp_path / "secret.geojson"
    path.write_text("{}")
    real_open = open

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    assert main(["validate", str(path)]) == 2
    assert "cannot be read (Permission denied)" in one_line(capsys)


def test_20_mb_name_is_quoted_in_200_characters(tmp_path, capsys):
    path = tmp_path / "long.geojson"
    write_collection(path, [{"type": "Feature", "properties": {"name": "N" * 20_000_000}, "geometry": LINE}])
    path.write_text(path.read_text().replace('"type": "LineString"', '"type": "' + "T" * 5_000_000 + '"'))
    assert main(["validate", str(path)]) == 2
    err = one_line(capsys)
    assert len(err) < 1000 and "N" * 201 not in err and "T" * 201 not in err
    assert "is 20,000,000 characters long" in err and "(+4,999,940 characters)" in err


def test_quote_is_bounded_for_every_kind_of_value():
    assert _limits.quote("x" * 10) == "'xxxxxxxxxx'"
    assert _limits.quote("\u202e\x1b") == "'\\u202e\\x1b'"  # no control character reaches a terminal
    assert len(_limits.quote("y" * 10**6)) < 240
    assert len(_limits.quote([["z" * 1000] * 1000] * 1000)) < 240
    assert len(_limits.quote(json.loads("[" * 500 + "]" * 500))) < 240


def test_warnings_beside_an_error_are_dropped_and_kept_after_success(monkeypatch, capsys):
    import corridors.cli as cli

    def warn_then(fail):
        def command(args):
            warnings.warn("invalid value encountered in length", RuntimeWarning, stacklevel=1)
            if fail:
                raise ValidationError("x.geojson", ["file: is empty"])
            return 0

        return command

    monkeypatch.setitem(cli._COMMANDS, "historic", warn_then(True))
    assert main(["historic"]) == 2
    assert one_line(capsys) == "corridors: error: x.geojson: 1 problem: file: is empty\n"
    monkeypatch.setitem(cli._COMMANDS, "historic", warn_then(False))
    assert main(["historic"]) == 0
    assert capsys.readouterr().err == "corridors: warning: invalid value encountered in length\n"  # once, one line


def test_nesting_depth_ignores_brackets_in_strings():
    assert _limits.nesting_depth(b'{"a": "[[[[{{{{", "b": [[1], {"c": "\\"]]]"}]}') == 3
    assert _limits.nesting_depth(b"17") == 0


def test_browser_tests_skip_without_chromium_except_in_ci(monkeypatch):
    from _browser import browser_skip_reason

    monkeypatch.setenv("CORRIDORS_CHROMIUM", "/nonexistent/chromium")
    reason = browser_skip_reason({})
    assert reason is not None and "no Chromium at /nonexistent/chromium" in reason and "apt install chromium" in reason
    assert browser_skip_reason({"CI": "true"}) is None  # then they run, and fail
    assert browser_skip_reason({"CI": "false"}) == reason


def test_files_that_state_no_size_are_read_whole_within_the_limit(tmp_path):
    status = _limits.read_limited(Path("/proc/self/status"))  # states 0 bytes, holds about 1 KB
    assert status.startswith(b"Name:") and status.endswith(b"\n")
    exact = tmp_path / "exact.geojson"
    exact.write_bytes(b"x" * 1000)
    assert _limits.read_limited(exact, max_bytes=1000) == b"x" * 1000
    with pytest.raises(ValidationError, match="larger than the"):
        _limits.read_limited(exact, max_bytes=999)
