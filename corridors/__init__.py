"""Map and measure the transport corridors of the South Caucasus and Iran.

Heavy dependencies (geopandas, pyproj, shapely) load on first use of a function, so that
``corridors --help`` starts quickly; ``dir(corridors)`` lists the public names all the same.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Public name -> the module that defines it (imported on first access).
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
    "CorridorNetwork": "network",
    "alternatives": "network",
    "shortest_route": "network",
    "CorridorsError": "errors",
    "ValidationError": "errors",
    "LayerNotFoundError": "errors",
    "PlaceNotFoundError": "errors",
    "NoRouteError": "errors",
}
__all__ = [  # the names of _EXPORTS, spelled out for linters and type checkers (a test keeps them equal)
    "CorridorNetwork",
    "CorridorsError",
    "LayerNotFoundError",
    "NoRouteError",
    "PlaceNotFoundError",
    "ValidationError",
    "__version__",
    "alternatives",
    "crossings_from_routes",
    "historic_split",
    "legs_from_routes",
    "list_layers",
    "read_layer",
    "read_routes",
    "route_lengths",
    "route_metrics",
    "shortest_route",
]

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .crossings import crossings_from_routes, legs_from_routes
    from .errors import CorridorsError, LayerNotFoundError, NoRouteError, PlaceNotFoundError, ValidationError
    from .historic import historic_split
    from .layers import list_layers, read_layer, read_routes
    from .metrics import route_lengths, route_metrics
    from .network import CorridorNetwork, alternatives, shortest_route


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
