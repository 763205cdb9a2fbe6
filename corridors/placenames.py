"""Place and country names: exact lookup after Unicode folding, in any script; misses list suggestions."""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import PlaceNotFoundError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PlaceName", "fold_name", "name_key", "place_names", "resolve_country", "resolve_place"]

# Persian and Arabic keyboards give different code points for the same letter; folding ignores the
# difference (ي/ی, ك/ک, ة/ه) and the zero-width non-joiner (U+200C) inside Persian words.
_SCRIPT_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ı": "i", "ё": "е"})
# Latin transliterations that differ between Azerbaijani, Turkish and English spellings (a second,
# looser tier, used only when no name matches exactly after Unicode folding).
_LATIN_FOLD = str.maketrans({"ə": "a", "ğ": "g", "ş": "s", "ç": "c", "x": "h", "q": "g"})
_DIGRAPHS = (("kh", "h"), ("ch", "c"), ("sh", "s"), ("zh", "j"), ("gh", "g"), ("dj", "j"))


def fold_name(text: str) -> str:
    """Fold a name for exact comparison: case, accents, spacing and punctuation are ignored, in any script.

    ``"Bakı"``, ``"BAKI"`` and ``"baki"`` fold alike; ``"Москва"`` keeps its Cyrillic letters
    (it is not reduced to nothing, as an ASCII fold would).
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SCRIPT_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isalnum())


def name_key(text: str) -> str:
    """Fold further for Latin transliterations: ``"Naxçıvan"`` and ``"Nakhchivan"`` give the same key."""
    text = fold_name(text.casefold().translate(_LATIN_FOLD))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return re.sub(r"\W", "", text)


@dataclass(frozen=True)
class PlaceName:
    """A place that can be named: its id, display name and other spellings.

    ``aliases`` are the project's own (e.g. ``"Nhava Sheva"``); ``alternate_names`` come from
    GeoNames (Latin, Cyrillic, Persian, Armenian, Georgian and Azerbaijani spellings).
    """

    place_id: str
    name: str
    aliases: Sequence[str] = ()
    alternate_names: Sequence[str] = ()

    def tiers(self) -> tuple[tuple[str, ...], ...]:
        """Labels by precedence: id and name, then the other spellings (aliases and GeoNames names)."""
        return ((self.place_id, self.name), (*self.aliases, *self.alternate_names))


def place_names(places: pd.DataFrame) -> list[PlaceName]:
    """The names of the rows of a ``places`` layer, one :class:`PlaceName` per row.

    Reads ``id``, ``name``, ``aliases`` (with the older ``name_local``) and ``alternate_names``;
    list properties may be lists, arrays or JSON array texts.
    """
    out = []
    for row in places.to_dict("records"):
        aliases = [*_strings(row.get("aliases")), *_strings(row.get("name_local"))]
        out.append(PlaceName(str(row["id"]), str(row["name"]), aliases, _strings(row.get("alternate_names"))))
    return out


def _strings(value: Any) -> list[str]:
    """The strings of a list-valued property (a list, an array, a JSON array text, one string or nothing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [str(v) for v in json.loads(value)] if value.startswith("[") else [value]
    return [str(v) for v in value]


def resolve_place(query: str, places: Iterable[PlaceName]) -> str:
    """Return the id of the place that ``query`` names exactly (after folding).

    A place's id or name takes precedence over another place's other spellings ("Julfa" is the
    Azerbaijani town, although GeoNames also spells the Iranian Jolfa so); a spelling that two
    places share ("Astara") is ambiguous. When no label folds to the query with :func:`fold_name`, Latin
    transliterations are tried (:func:`name_key`); nothing nearer is ever chosen silently.

    Parameters
    ----------
    query
        A place name or id, in any case and script (``"Bakı"``, ``"Москва"``, ``"مسکو"``).
    places
        The places that can be named.

    Raises
    ------
    PlaceNotFoundError
        Empty query; no place matches (the message suggests up to three names); or several
        places match at the same precedence (the message lists them).
    """
    places = list(places)
    if not query or not query.strip():
        raise PlaceNotFoundError("empty place name; `corridors places` lists the places that can be named")
    for fold in (fold_name, name_key):
        key = fold(query)
        if not key:
            continue
        for tier in range(2):
            hits = {p.place_id: p for p in places if any(fold(label) == key for label in p.tiers()[tier] if label)}
            if len(hits) == 1:
                return next(iter(hits))
            if len(hits) > 1:
                listed = ", ".join(f"{p.name} ({pid})" for pid, p in sorted(hits.items()))
                raise PlaceNotFoundError(f"place name {query!r} is ambiguous: it names {listed}; give the id")
    raise PlaceNotFoundError(f"no place named {query!r}.{_suggest(query, places)}")


def _suggest(query: str, places: list[PlaceName]) -> str:
    by_key: dict[str, str] = {}
    for place in places:
        for tier in place.tiers():
            for label in tier:
                if label:
                    by_key.setdefault(name_key(label), place.name)
    close = difflib.get_close_matches(name_key(query), list(by_key), n=12, cutoff=0.6)
    names = list(dict.fromkeys(by_key[c] for c in close))[:3]
    return f" Did you mean: {', '.join(names)}?" if names else " `corridors places` lists the places."


def resolve_country(query: str, countries: Iterable[tuple[str, str]]) -> str:
    """Return the ISO alpha-2 code that ``query`` names: a code in any case or an English name.

    Parameters
    ----------
    query
        ``"AM"``, ``"am"`` or ``"Armenia"``.
    countries
        ``(iso_a2, name)`` pairs, e.g. from the ``countries`` layer.

    Raises
    ------
    PlaceNotFoundError
        Unknown code or name (the message suggests up to three countries).
    """
    pairs = [(str(code).upper(), str(name)) for code, name in countries]
    key = fold_name(query)
    for code, name in pairs:
        if key and key in (fold_name(code), fold_name(name)):
            return code
    names = {fold_name(name): f"{name} ({code})" for code, name in pairs}
    close = [names[c] for c in difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise PlaceNotFoundError(f"unknown country {query!r}: give an ISO alpha-2 code or an English name.{hint}")
