"""The side panel of a map page: summary, each exclusive way's caption and legend, and the metrics tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from branca.element import Element

from ._html import text as _text
from .render_layers import figure_of
from .render_page import ATTRIBUTION, swatch
from .render_routes import route_colours

if TYPE_CHECKING:
    import folium
    import pandas as pd

    from .specs import MapSpec

__all__ = ["ROUTE_COLUMNS", "add_summary"]

ROUTE_COLUMNS = ("Route", "Length km", "km by country", "km by status", "Border crossings", "Countries in order")


def _table(caption: str, columns: tuple[str, ...], rows: list[str]) -> str:
    """An accessible HTML table: escaped caption and column headers, rows already formatted."""
    head = "".join(f"<th scope='col'>{_text(c)}</th>" for c in columns)
    body = "".join(rows)
    return f"<table><caption>{_text(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _split_table(split: pd.DataFrame) -> str:
    rows = [
        f"<tr><th scope='row'>{_text(r['definition'])}, {_text(r['part'])}</th>"
        f"<td class='num'>{r['area_km2']:,.0f}</td><td class='num'>{r['population']:,}</td>"
        f"<td class='num'>{r['area_share']:.1%}</td><td class='num'>{r['population_share']:.1%}</td></tr>"
        for r in split.to_dict("records")
    ]
    columns = ("Definition, part", "Area km²", "Population", "Area share", "Population share")
    return _table("Historic Azerbaijan: north (Republic of Azerbaijan) and south (Iran)", columns, rows)


def _comparison_table(spec: MapSpec) -> str:
    if not spec.comparison:
        return ""
    rows = [
        f"<tr><th scope='row'>{_text(sequence)}</th><td class='num'>{km:,.1f}</td>"
        f"<td class='num'>+{extra:,.1f}</td><td class='num'>{crossings}</td></tr>"
        for sequence, km, extra, crossings in spec.comparison
    ]
    return _table(spec.comparison_title, ("Countries in order", "km", "Extra km", "Border crossings"), rows)


def _choice_sections(spec: MapSpec, layers: Sequence[folium.FeatureGroup], names: Mapping[str, str]) -> str:
    """Per exclusive way, its caption and legend entries; only the way shown at first is not ``hidden``.

    Each ``section.corridors-choice`` names its layer in ``data-layer`` (the FeatureGroup's
    JavaScript variable) and its position in ``data-choice``: corridors.js shows the section of
    the way on the map.
    """
    sections = []
    for i, (choice, layer) in enumerate(zip(spec.groups, layers, strict=True)):
        colours = route_colours(choice.route_ids)
        items = "".join(f"<li>{swatch(colours[r])} {_text(names.get(r, r))}</li>" for r in choice.route_ids)
        sections.append(
            f"<section class='corridors-choice' data-choice='{i}' data-layer='{layer.get_name()}'"
            f"{'' if i == 0 else ' hidden'}><h3>{_text(choice.label)}</h3><p>{_text(choice.caption)}</p>"
            f"<ul class='corridors-choice-legend'>{items}</ul></section>"
        )
    return "".join(sections)


def _events_table(events: pd.DataFrame) -> str:
    rows = []
    for e in events.sort_values(["date", "event_id"]).to_dict("records"):
        end = e.get("date_end")
        when = f"{e['date']}–{end}" if isinstance(end, str) and end else str(e["date"])
        rows.append(
            f"<tr><th scope='row'>{_text(when)}</th><td>{_text(e['name'])}</td><td>{_text(e['summary'])}</td>"
            f"<td>{_text(e['source'])}</td></tr>"
        )
    return _table("Dated events", ("Date", "Event", "What happened", "Source"), rows)


def _route_rows(spec: MapSpec, metrics: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    rows = []
    for m in metrics[metrics["route_id"].isin(spec.route_ids)].to_dict("records"):
        by_country = ", ".join(f"{_text(k)} {v:,.1f}" for k, v in m["km_by_country"].items())
        statuses = m.get("km_by_status")
        by_status = (
            ", ".join(f"{_text(k.replace('_', ' '))} {v:,.1f}" for k, v in statuses.items())
            if isinstance(statuses, dict)
            else "not stated"
        )
        rows.append(
            f"<tr><th scope='row'>{_text(names.get(m['route_id'], m['route_id']))}</th>"
            f"<td class='num'>{m['length_km']:,.1f}</td>"
            f"<td>{by_country}</td><td>{by_status}</td><td class='num'>{m['crossings']}</td>"
            f"<td>{_text(m['sequence_text'])}</td></tr>"
        )
    return rows


def add_summary(
    fmap: folium.Map,
    spec: MapSpec,
    metrics: pd.DataFrame,
    split: pd.DataFrame | None,
    layers: Sequence[folium.FeatureGroup],
    names: Mapping[str, str],
    events: pd.DataFrame | None = None,
) -> None:
    """The panel: what a screen reader or a reader without JavaScript gets (summary, ways, metrics tables).

    ``metrics`` as from :func:`corridors.metrics.route_metrics`, ``split`` as from
    :func:`corridors.historic.historic_split` (a table when given), ``layers`` the map's route
    groups (one per exclusive way), ``names`` the display names by route id, ``events`` the
    dated events drawn on the map.
    """
    rows = _route_rows(spec, metrics, names)
    panel = (
        "<aside class='corridors-panel' aria-label='Summary and metrics'>"
        f"<h2>{_text(spec.title)}</h2><p>{_text(spec.caption)}</p>"
        f"<p class='corridors-status-as-of'>Status {_text(spec.status_as_of)}</p>"
        f"{_choice_sections(spec, layers, names) if spec.groups else ''}"
        f"{_table('Route metrics (geodesic kilometres on the WGS84 ellipsoid)', ROUTE_COLUMNS, rows)}"
        f"{_split_table(split) if split is not None else ''}{_comparison_table(spec)}"
        f"{_events_table(events) if events is not None and len(events) else ''}"
        f"<p class='corridors-sources'>Sources: {_text(ATTRIBUTION)}</p></aside>"
    )
    figure_of(fmap).html.add_child(Element(panel))
