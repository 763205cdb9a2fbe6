"""Export: the layers report (HTML), written atomically."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

__all__ = ["build_report", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(out_dir: str | os.PathLike[str]) -> Path:
    """Write ``layers_report.html`` (layers and route metrics) into ``out_dir``; return its path."""
    import pandas as pd

    from .layers import ROUTE_LAYERS, layer_summary, read_layer
    from .metrics import route_metrics

    routes = pd.concat([read_layer(n) for n in ROUTE_LAYERS], ignore_index=True)
    metrics = route_metrics(routes, read_layer("countries"))
    metrics["km_by_country"] = metrics["km_by_country"].map(lambda d: ", ".join(f"{k} {v:.1f}" for k, v in d.items()))
    table = metrics[["route_id", "name", "length_km", "sequence_text", "crossings", "km_by_country"]]
    body = (
        "<h1>corridors: layers and route metrics</h1>"
        + layer_summary().to_html(index=False, escape=True)
        + table.to_html(index=False, escape=True, float_format=lambda v: f"{v:.1f}")
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape('corridors layers report')}</title></head><body>{body}</body></html>\n"
    )
    path = Path(out_dir) / "layers_report.html"
    for stale in Path(out_dir).glob(".*.part"):  # left by a build that was killed
        stale.unlink(missing_ok=True)
    write_atomic(path, page)
    return path
