"""Screenshots of every page type at 375 px and 1280 px wide, for people to look at.

Serves a freshly seeded directory on 127.0.0.1 (as the browser tests do) and saves full-page
PNGs named after each page type and width. Usage: python scripts/screenshots.py [FOLDER]
(default: screenshots/). `make screenshots` runs it.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.browser, shared with the browser tests

from playwright.sync_api import sync_playwright  # noqa: E402

from directory import places  # noqa: E402
from tests.browser import site  # noqa: E402
from tests.browser.page_types import PAGES  # noqa: E402

WIDTHS = (375, 1280)


def file_name(kind: str, width: int) -> str:
    return f"{re.sub(r'[^a-z0-9]+', '-', kind.lower()).strip('-')}-{width}.png"


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        gazetteer = Path(scratch) / "places.sqlite3"
        places.build(gazetteer)
        data = Path(scratch) / "data"
        data.mkdir()
        with site.running(data, gazetteer) as live, sync_playwright() as playwright:
            browser = site.launch_chromium(playwright)
            for width in WIDTHS:
                for kind, open_page in PAGES.items():
                    context = browser.new_context(
                        base_url=live.url, viewport={"width": width, "height": 800}
                    )
                    page = context.new_page()
                    open_page(page, live)
                    path = folder / file_name(kind, width)
                    page.screenshot(path=path, full_page=True)
                    context.close()
                    print(path)
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots")
