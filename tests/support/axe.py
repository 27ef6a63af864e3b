"""axe-core in a Playwright page: the accessibility violations a reader of that page would meet.

axe-core comes bundled with axe-playwright-python (a dev dependency), so no network is needed.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.1 A and AA plus axe's best practices: what the public pages and emails promise.
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_axe = Axe()


def violations(page, *, context: str | None = None) -> list[dict]:
    """The axe violations of the page as it is now (optionally only inside ``context``, a CSS
    selector), each reduced to its rule id, impact, help text and the first offending nodes."""
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": RULE_TAGS}}
    results = _axe.run(page, context=context, options=options)
    return [
        {
            "id": violation["id"],
            "impact": violation.get("impact"),
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in results.response["violations"]
    ]


def assert_accessible(page, what: str = "", *, context: str | None = None) -> None:
    """Fail with a readable list when axe finds any violation on ``page``."""
    found = violations(page, context=context)
    assert not found, f"axe violations on {what or page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found
    )
