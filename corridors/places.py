"""Forgiving place-name lookup: case, diacritics and common transliterations are ignored."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from .errors import PlaceNotFoundError

__all__ = ["name_key", "resolve_place"]

# Latin transliterations that differ between Azerbaijani, Turkish and English spellings.
_FOLD = str.maketrans({"ı": "i", "ə": "a", "ğ": "g", "ş": "s", "ç": "c", "x": "h", "q": "g"})
_DIGRAPHS = (("kh", "h"), ("ch", "c"), ("sh", "s"), ("zh", "j"), ("gh", "g"), ("dj", "j"))


def name_key(text: str) -> str:
    """Fold a place name to a comparison key: ``"Naxçıvan"`` and ``"Nakhchivan"`` give the same key."""
    text = text.lower().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return re.sub(r"[^a-z0-9]", "", text)


def resolve_place(query: str, candidates: Iterable[tuple[str, Iterable[str]]]) -> str:
    """Return the id of the place whose id or any name matches ``query`` forgivingly.

    Parameters
    ----------
    query
        A place name in any case, with or without diacritics.
    candidates
        ``(place_id, names)`` pairs.

    Raises
    ------
    PlaceNotFoundError
        No place matches; the message lists the closest names.
    """
    key = name_key(query)
    names: dict[str, str] = {}
    for place_id, labels in candidates:
        for label in (place_id, *labels):
            if label:
                names.setdefault(name_key(str(label)), place_id)
                names.setdefault(str(label), place_id)
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, [k for k in names if k == name_key(k)], n=5, cutoff=0.6)
    hint = f" Close matches: {', '.join(sorted({names[c] for c in close}))}." if close else ""
    raise PlaceNotFoundError(f"No place named {query!r} in the corridor network.{hint}")
