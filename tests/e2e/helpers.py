"""What the browser tests check on every page: accessibility, phone layout, screenshots."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as tests/e2e/screenshots/<name>.png (for people to look at)."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A/AA rules on the page and return its violations."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci` (make node-packages)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return result["violations"]


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page: Page, label: str) -> None:
    """No serious or critical WCAG 2.1 AA violation on the page."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {label} ({page.url}):\n{_describe(blocking)}"


def assert_fits_width(page: Page, label: str) -> None:
    """Nothing makes the page scroll sideways (the phone test)."""
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"{label} scrolls sideways on {page.url}: {widths}"


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and submit the login form the page is showing."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("form.logout")).to_be_visible()
