"""What a person does in the browser, as steps the tests share."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser import site

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in(page: Page) -> None:
    page.goto("/moderate/login")
    page.get_by_label("Username").fill(site.MODERATOR)
    page.get_by_label("Password").fill(site.MODERATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/moderate$"))


def fill_new_listing(page: Page, name: str) -> None:
    """The /submit form, filled in as a group's member would, with the mouse."""
    page.get_by_label("Name of the group").fill(name)
    page.get_by_role("radio", name="Anarchist Black Cross group").check()
    page.get_by_label("What the group does").fill(
        "Writes letters to people held in prison and sends them books and stamps."
    )
    page.get_by_role("checkbox", name="Anyone in prison").check()
    page.get_by_role("checkbox", name="Letter writing").check()
    page.get_by_role("radio", name="Active", exact=True).check()
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Website").fill("https://letters.example.org")
    page.get_by_label("Your email address or phone number").fill("member@example.net")
    page.get_by_role("radio", name="I am part of this group").check()


def approve(page: Page, name: str) -> None:
    """A signed-in moderator opens the submission from the queue, adds a source, approves."""
    page.goto("/moderate")
    page.locator(".queue-group", has_text=name).get_by_role(
        "link", name=re.compile("Review")
    ).click()
    page.get_by_label("Where these details can be checked").fill(
        "https://letters.example.org/about"
    )
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved")


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def focus_is_visible(page: Page) -> bool:
    """The focused element shows an outline of at least 2 px (WCAG 2.4.7 and 2.4.11)."""
    return bool(
        page.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
            }"""
        )
    )


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page against WCAG 2.0, 2.1 and 2.2 A and AA.

    axe is evaluated through the DevTools protocol, which the page's CSP (script-src 'self',
    no inline script) rightly refuses to a <script> tag.
    """
    page.evaluate(axe_source)
    violations = page.evaluate(
        """async tags => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )
    return list(violations)
