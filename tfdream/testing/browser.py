"""Static pages checked in a real browser: headless Chromium (the system's, `/usr/bin/chromium` by default)
driven by Playwright, for tests and for screenshots.

    with browser.Browser() as chromium:
        visit = chromium.visit(pathlib.Path("atlas/index.html"))
        assert not visit.errors and all(width > 0 for width in visit.image_widths)
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import shutil

from tfdream.io import files

CHROMIUM = os.environ.get("TFDREAM_CHROMIUM", "/usr/bin/chromium")


def chromium_path() -> str | None:
    """The Chromium executable to drive (`TFDREAM_CHROMIUM`, else /usr/bin/chromium or one on PATH), or None."""
    if os.path.isfile(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclasses.dataclass
class Visit:
    """What a page showed: its console errors and uncaught exceptions, and each image's natural width (every
    image scrolled into view first, so lazy ones load; 0: the image did not load)."""

    url: str
    errors: list[str]
    image_widths: dict[str, int]


class Browser:
    """A headless Chromium session (a context manager); `visit` opens one page after another in one tab."""

    def __init__(self, executable: str | None = None, viewport: tuple[int, int] = (1280, 800)):
        self.executable = executable or chromium_path()
        if self.executable is None:
            raise FileNotFoundError("no Chromium found: apt-get install chromium (or set TFDREAM_CHROMIUM)")
        self.viewport = viewport

    def __enter__(self) -> Browser:
        from playwright import sync_api  # pylint: disable=import-outside-toplevel

        self._playwright = sync_api.sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=self.executable, args=["--no-sandbox"])
        self.page = self._browser.new_page(viewport={"width": self.viewport[0], "height": self.viewport[1]})
        self._errors: list[str] = []
        self.page.on("console", lambda message: self._errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self._errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self._errors.append(f"failed to load {request.url}"))
        return self

    def __exit__(self, *exc_info) -> None:
        self._browser.close()
        self._playwright.stop()

    def visit(self, path: str | os.PathLike) -> Visit:
        """Opens the file `path`, loads every image (scrolling each into view) and reports what happened."""
        self._errors.clear()
        self.page.goto(pathlib.Path(path).resolve().as_uri(), wait_until="load")
        return self.report()

    def press(self, key: str) -> Visit:
        """Presses `key` (e.g. "ArrowRight"), waits for the page it leads to, and reports on it."""
        self._errors.clear()
        with self.page.expect_navigation(wait_until="load"):
            self.page.keyboard.press(key)
        return self.report()

    def report(self) -> Visit:
        images = self.page.locator("img")
        for index in range(images.count()):
            images.nth(index).scroll_into_view_if_needed()
        self.page.wait_for_function("[...document.images].every((image) => image.complete)")
        widths = self.page.evaluate("Object.fromEntries([...document.images].map((image) => "
                                    "[image.getAttribute('src'), image.naturalWidth]))")
        return Visit(self.page.url, list(self._errors), widths)

    def screenshot(self, path: str | os.PathLike, *, full_page: bool = False) -> pathlib.Path:
        """Writes a PNG of the page as it is now (atomically)."""
        self.page.evaluate("window.scrollTo(0, 0)")
        with files.atomic_write(path, overwrite=True) as handle:
            handle.write(self.page.screenshot(full_page=full_page))
        return pathlib.Path(path)
