"""Static images of the maps: self-contained pages rendered offline in headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import AssetError

__all__ = ["CHROMIUM_ARGS", "chromium_path", "offline_browser", "screenshot"]

CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 800  # CSS pixels of the PNG (it runs longer when the panel does)
SETTLE_TRIES = 30
SETTLE_STREAK = 3  # identical screenshots in a row: the page is at rest (two could catch a pause of a busy machine)
SETTLE_PAUSE_MS = 250
# Drawn and laid out: corridors.js sets data-corridors-ready once the title, legend and labels are placed.
_READY = "document.documentElement.hasAttribute('data-corridors-ready')"
# The panel is drawn at its full height (not scrolled), and the PNG runs as long as the page.
# The overview minimap is a navigation aid of the live page; its view settles at a moment that varies from
# run to run, so a static image leaves it out (two builds give the same PNG).
_UNCLIPPED = (
    ".corridors-panel {height: auto !important; min-height: 100%; overflow: visible !important}"
    " .leaflet-control-minimap {visibility: hidden !important}"
)


def chromium_path() -> str:
    """The Chromium executable: ``$CORRIDORS_CHROMIUM``, else ``chromium`` on the PATH (Debian's package)."""
    path = os.environ.get("CORRIDORS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        raise AssetError(f"no Chromium at {path}; install Debian's chromium or set CORRIDORS_CHROMIUM")
    return path


@contextmanager
def offline_browser() -> Iterator[Any]:
    """A Playwright browser context on Debian's Chromium with the network switched off.

    Yields a ``playwright.sync_api.BrowserContext``; every request other than ``data:`` and
    ``file:`` URLs is aborted.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise AssetError("PNG output needs Playwright: pip install 'corridors[png]'") from exc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT}, offline=True)
            context.route(lambda url: not url.startswith(("data:", "file:")), lambda route: route.abort())
            yield context
        finally:
            browser.close()


def screenshot(context: Any, page_html: str) -> bytes:
    """PNG bytes of a self-contained map page once it is drawn and laid out: 1280 CSS pixels wide, the map
    800 high, the panel beside it at its full length (the image is as long as the longer of the two)."""
    page = context.new_page()
    try:
        page.set_content(page_html, wait_until="load")
        page.wait_for_function(_READY, timeout=30_000)
        page.add_style_tag(content=_UNCLIPPED)
        page.evaluate("document.fonts.ready")
        # Leaflet animates in script (the overview map follows the main map's first view): take pictures until
        # SETTLE_STREAK in a row are the same.
        previous, same = b"", 0
        for _ in range(SETTLE_TRIES):
            image = page.screenshot(type="png", animations="disabled", full_page=True, caret="hide")
            same = same + 1 if image == previous else 0
            if same == SETTLE_STREAK - 1:
                return image
            previous = image
            page.wait_for_timeout(SETTLE_PAUSE_MS)
        raise AssetError(f"the page did not come to rest in {SETTLE_TRIES} screenshots")
    finally:
        page.close()
