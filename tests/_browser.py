"""Whether the browser tests can run here: without Chromium they skip, unless ``CI`` is set (then they fail)."""

from collections.abc import Mapping


def browser_missing() -> str | None:
    """Why no browser can be driven here (Playwright or Chromium missing), or ``None``."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    from corridors.errors import AssetError
    from corridors.snapshot import chromium_path

    try:
        chromium_path()
    except AssetError as exc:
        return f"{exc} (Debian: apt install chromium)"
    return None


def in_ci(environ: Mapping[str, str]) -> bool:
    """Whether ``CI`` is set to a true value, as CI services do (``CI=true``)."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def browser_skip_reason(environ: Mapping[str, str]) -> str | None:
    """The reason to skip the browser tests, or ``None`` to run them (always in CI, where a missing
    browser must fail)."""
    if in_ci(environ):
        return None
    missing = browser_missing()
    return None if missing is None else f"no browser: {missing}; with CI set these tests fail instead"
