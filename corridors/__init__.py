"""Map and measure the transport corridors of the South Caucasus and Iran.

Heavy dependencies (geopandas, pyproj, shapely) load on first use of a function, so that
``corridors --help`` starts quickly.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "read_layer": "layers",
    "read_routes": "layers",
    "list_layers": "layers",
    "route_metrics": "metrics",
    "route_lengths": "metrics",
    "legs_from_routes": "legs",
    "crossings_from_routes": "crossings",
    "port_calls_from_routes": "crossings",
    "CountryIndex": "country_index",
    "historic_split": "historic",
    "CorridorsError": "errors",
    "ValidationError": "errors",
    "LayerNotFoundError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
