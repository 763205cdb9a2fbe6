"""Route colours: legible on the land fill, and apart from each other for readers with a red–green deficiency.

Colour-vision deficiency is simulated with the matrices of Machado, Oliveira & Fernandes (2009), "A
Physiologically-based Model for Simulation of Color Vision Deficiency", IEEE TVCG 15(6), severity 1.0
(dichromacy), applied to linear sRGB; differences are CIE76 ΔE*ab in CIELAB (D65).
"""

import itertools

import numpy as np
import pytest

from corridors.render import HISTORIC_COLOURS, route_colours
from corridors.render_layers import LAND, REGION_FILL

MIN_CONTRAST = 3.0  # WCAG 2.1 SC 1.4.11, non-text contrast
MIN_DELTA_E = 10.0  # CIE76: clearly different side by side as thin lines
MIN_HUE_APART_DEG = 20.0  # a fill's hue stays this far from every route colour's hue

MACHADO = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def linear_rgb(colour: str) -> np.ndarray:
    """Linear sRGB (0–1) of ``#rrggbb``."""
    c = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    return float(_SRGB_TO_XYZ[1] @ linear_rgb(colour))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def lab(colour: str, vision: str = "normal") -> np.ndarray:
    """CIELAB of ``colour`` as seen with ``vision`` (a key of :data:`MACHADO`)."""
    rgb = np.clip(MACHADO[vision] @ linear_rgb(colour), 0, 1)
    t = (_SRGB_TO_XYZ @ rgb) / _WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str = "normal") -> float:
    return float(np.linalg.norm(lab(a, vision) - lab(b, vision)))


def hue_deg(colour: str) -> float:
    _, a, b = lab(colour)
    return float(np.degrees(np.arctan2(b, a)) % 360)


def chroma(colour: str) -> float:
    return float(np.hypot(*lab(colour)[1:]))


@pytest.fixture(scope="module")
def colours_by_map():
    """Route colours of each map, as the maps draw them (from the catalogue, corridors/catalogue.toml)."""
    from corridors.catalogue import load_catalogue

    return {
        name: route_colours(route_ids)
        for name, route_ids in ((m.name, m.route_ids) for m in load_catalogue().maps.values())
    }


def test_the_simulation_reproduces_known_confusions():
    # Red against an olive: far apart in normal vision; a deuteranope sees the same as a brighter olive,
    # a protanope the same as a darker one (red looks dark to protanopes).
    assert delta_e("#FF0000", "#A0A000") > 90 and delta_e("#FF0000", "#A0A000", "deuteranopia") < 5
    assert delta_e("#FF0000", "#606000") > 90 and delta_e("#FF0000", "#606000", "protanopia") < 5
    assert delta_e("#FF0000", "#A0A000", "protanopia") > 20  # and the two deficiencies differ
    assert delta_e("#0000FF", "#FFFF00", "deuteranopia") > 80  # blue–yellow stays apart
    assert contrast("#F0E442", LAND) == pytest.approx(1.15, abs=0.01)  # the old eastern yellow
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert lab("#FFFFFF") == pytest.approx([100, 0, 0], abs=0.05)


def test_every_route_colour_stands_out_on_land(colours_by_map):
    faint = {
        (name, route, colour, round(contrast(colour, LAND), 2))
        for name, colours in colours_by_map.items()
        for route, colour in colours.items()
        if contrast(colour, LAND) < MIN_CONTRAST
    }
    assert faint == set()


@pytest.mark.parametrize("vision", sorted(MACHADO))
def test_routes_on_one_map_stay_apart(colours_by_map, vision):
    close = set()
    for name, colours in colours_by_map.items():
        distinct = sorted(set(colours.values()))  # routes of one legend group share their colour
        for a, b in itertools.combinations(distinct, 2):
            if delta_e(a, b, vision) < MIN_DELTA_E:
                close.add((name, a, b, round(delta_e(a, b, vision), 1)))
    assert close == set()


def test_fills_do_not_reuse_route_hues(colours_by_map):
    routes = {c for colours in colours_by_map.values() for c in colours.values() if chroma(c) > 10}
    reused = {
        (fill, route)
        for fill in (*HISTORIC_COLOURS.values(), REGION_FILL)
        for route in routes
        if abs((hue_deg(fill) - hue_deg(route) + 180) % 360 - 180) < MIN_HUE_APART_DEG
    }
    assert reused == set()
