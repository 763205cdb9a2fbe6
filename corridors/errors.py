"""Exception classes raised by corridors."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AssetError",
    "BuildError",
    "CorridorsError",
    "LayerNotFoundError",
    "NoRouteError",
    "LonLatSwapWarning",
    "PlaceNotFoundError",
    "ToleranceError",
    "ValidationError",
]


class CorridorsError(Exception):
    """Base class of every error the package raises on purpose."""


class ValidationError(CorridorsError, ValueError):
    """A GeoJSON file or GeoDataFrame breaks the rules of its layer.

    Parameters
    ----------
    source
        The file path or a description of the input (e.g. ``"<GeoDataFrame>"``).
    problems
        One entry per problem, each starting with the feature it concerns
        (``"feature 'zangezur-1': ..."``) or with ``"file: ..."``.
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = str(source)
        self.problems = list(problems)
        shown = "; ".join(self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"; and {more} more"
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{self.source}: {count} {noun}: {shown}")


class LayerNotFoundError(CorridorsError, KeyError):
    """No bundled layer has the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PlaceNotFoundError(CorridorsError, KeyError):
    """A place name matches no place of the network."""

    def __str__(self) -> str:
        return str(self.args[0])


class NoRouteError(CorridorsError):
    """No path of the corridor network satisfies the constraints."""


class BuildError(CorridorsError):
    """One or more maps could not be built."""


class AssetError(CorridorsError):
    """A map's JavaScript or CSS cannot be fetched, verified or inlined, or no browser is available."""


class ToleranceError(CorridorsError, ValueError):
    """A border tolerance is not a finite number of metres between 0 and the allowed maximum."""


class LonLatSwapWarning(UserWarning):
    """A route lies outside the detailed region but would lie inside it with lon and lat swapped."""


class CatalogueError(CorridorsError):
    """The map catalogue (catalogue.toml) is malformed or names something the data does not have."""
