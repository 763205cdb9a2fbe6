"""Escaping text from data for the maps' HTML, Jinja templates and JavaScript template literals."""

from __future__ import annotations

import html

__all__ = ["text"]

_TEMPLATE_SAFE = str.maketrans({"{": "&#123;", "}": "&#125;", "%": "&#37;", "`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def text(value: object) -> str:
    """Escape text from data for HTML, for folium's Jinja templates and for JavaScript template literals."""
    return html.escape(str(value)).translate(_TEMPLATE_SAFE)
