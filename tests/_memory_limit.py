"""Run the command line in a subprocess under an address-space limit (``RLIMIT_AS``)."""

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_BYTES = 300 * 2**20  # the interpreter with numpy, pandas, shapely, pyproj and geopandas loaded
PER_INPUT_BYTE = 30  # the target of issue 14: at most 300 MB + 30 x the file size


def run_under_memory_limit(
    args: list[str], input_bytes: int, *, limit_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``corridors ARGS`` with at most ``300 MB + 30 x input_bytes`` of address space (or ``limit_bytes``).

    Asserts that it either succeeds or fails with exit 2 and one error line: never a traceback, never
    ``MemoryError``. OpenBLAS and OpenMP are held to one thread: each thread reserves address space
    that it never uses, which ``RLIMIT_AS`` would count.
    """
    limit = limit_bytes if limit_bytes is not None else BASE_BYTES + PER_INPUT_BYTE * input_bytes

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "corridors", *args],
        preexec_fn=limit_memory,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang, not a measure
    )
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in (0, 2), (done.returncode, done.stderr[-3000:])
    if done.returncode == 2:
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("corridors: error: "), done.stderr[-3000:]
    return done
