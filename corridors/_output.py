"""Command output: one schema per command written as a table, CSV, JSON or GeoJSON."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "csv", "json", "geojson")
JSON_DECIMALS = 6  # ~0.1 m for degrees, 1 mm for km: more than any input supports
_KM_DECIMALS = 1  # tables and CSV: 0.1 km
_DEGREE_DECIMALS = 6
_OTHER_DECIMALS = 3
_SEPARATOR = {"country_sequence": " → ", "path": " → "}  # other lists are joined with "; "


def render(frame: pd.DataFrame, fmt: str, *, columns: Sequence[str] | None = None, width: int | None = None) -> str:
    """Write ``frame`` as text in format ``fmt``; ``columns`` (those present, in order) are the schema.

    Every format carries the same columns. JSON keeps dictionaries (``km_by_country``) and lists as
    objects and arrays, rounded to 6 decimals; CSV writes a dictionary as one column per key
    (``km_by_country_AZ``, 0 where the key is absent) and a list as one text; the table shows
    them as text and, when wider than the terminal, one block per row. Kilometres are rounded to
    0.1 in tables and CSV; ``-0.0`` and float noise such as ``3e-16`` print as ``0``. GeoJSON is
    a FeatureCollection of the frame's ``geometry`` with the other columns as properties.
    """
    geometry = _geometry_column(frame)
    names = [c for c in (columns or frame.columns) if c in frame.columns and c != geometry]
    records = [{c: row[c] for c in names} for row in frame.to_dict("records")]
    if fmt == "json":
        return json.dumps([_json_row(r) for r in records], ensure_ascii=False, indent=2) + "\n"
    if fmt == "geojson":
        return _geojson(frame, records)
    if fmt == "csv":
        return _csv(names, records)
    return _table(names, records, width or shutil.get_terminal_size((120, 24)).columns)


def _geometry_column(frame: pd.DataFrame) -> str | None:
    import geopandas as gpd

    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None


def _clean(value: Any, decimals: int) -> Any:
    """Plain Python values: numpy scalars and arrays unwrapped, floats rounded, NaN as None, no -0.0."""
    import numpy as np

    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return {str(k): _clean(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, decimals) for v in value]
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return value


def _json_row(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _clean(v, JSON_DECIMALS) for k, v in record.items()}


def _decimals(column: str) -> int:
    if column.endswith(("_km", "_km2")) or column.startswith("km_") or "_km_" in column:
        return _KM_DECIMALS
    return _DEGREE_DECIMALS if column in ("lon", "lat") else _OTHER_DECIMALS


def _text(column: str, value: Any) -> str:
    """A scalar or list as the text of one cell (dictionaries are expanded by the caller)."""
    value = _clean(value, _decimals(column))
    if value is None:
        return ""
    if isinstance(value, list):
        return _SEPARATOR.get(column, "; ").join(_text(column, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(column, v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.{_decimals(column)}f}"
    return str(value)


def _dict_keys(records: list[dict[str, Any]], column: str) -> list[str] | None:
    values = [r[column] for r in records if r[column] is not None]
    if not values or not all(isinstance(v, dict) for v in values):
        return None
    return sorted({str(k) for v in values for k in v}, key=lambda k: (k == "sea", k))


def _csv(names: list[str], records: list[dict[str, Any]]) -> str:
    header: list[str] = []
    expand: dict[str, list[str]] = {}
    for column in names:
        keys = _dict_keys(records, column)
        if keys is None:
            header.append(column)
        else:
            expand[column] = keys
            header.extend(f"{column}_{k}" for k in keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        cells: list[str] = []
        for column in names:
            if column in expand:
                found = {str(k): v for k, v in (record[column] or {}).items()}
                cells.extend(_text(column, found.get(k, 0.0)) for k in expand[column])
            else:
                cells.append(_text(column, record[column]))
        writer.writerow(cells)
    return buffer.getvalue()


def _table(names: list[str], records: list[dict[str, Any]], width: int) -> str:
    full = [[_text(c, r[c]) for c in names] for r in records]
    numeric = [all(_is_number(r[c]) for r in records) for c in names]
    for limit in (None, 40, 24):  # long cells are shortened (…) before a row is spread over lines
        cells = [[_shorten(t, limit) for t in row] for row in full]
        widths = [max([len(n)] + [len(row[i]) for row in cells]) for i, n in enumerate(names)]
        if sum(widths) + 2 * (len(names) - 1) > width:
            continue

        def line(items: Sequence[str], widths: list[int] = widths) -> str:
            padded = (t.rjust(w) if num else t.ljust(w) for t, w, num in zip(items, widths, numeric, strict=True))
            return "  ".join(padded).rstrip()

        return "\n".join([line(names), line(["-" * w for w in widths]), *map(line, cells)]) + "\n"
    # Too wide for the terminal even so: one block per row, a column per line, nothing shortened.
    label = max(len(n) for n in names)
    blocks = ["\n".join(f"{n.ljust(label)}  {t}" for n, t in zip(names, row, strict=True)) for row in full]
    return "\n\n".join(blocks) + "\n"


def _shorten(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _geojson(frame: pd.DataFrame, records: list[dict[str, Any]]) -> str:
    import numpy as np
    import shapely

    features = []
    for record, geometry in zip(records, frame.geometry, strict=True):
        shape = None
        if geometry is not None and not geometry.is_empty:
            shape = json.loads(shapely.to_geojson(shapely.transform(geometry, lambda xy: np.round(xy, JSON_DECIMALS))))
        features.append({"type": "Feature", "properties": _json_row(record), "geometry": shape})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=2) + "\n"
