"""The atlas's web page in a real browser (headless Chromium from the system, driven by Playwright): every page
opens without a console error, every image loads, the arrow keys go to the neighbouring channels and layers."""

import pathlib

import pytest

from tests.pipelines.conftest import IN_PROCESS, make_spec
from tfdream.pipelines import site, units
from tfdream.testing import browser

engine = pytest.importorskip("tfdream.pipelines.engine", reason="the pipelines run on Apache Beam")

pytest.importorskip("playwright.sync_api", reason="the page is checked with Playwright (pip install playwright)")
if browser.chromium_path() is None:
    pytest.skip("no Chromium: apt-get install chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def atlas(tiny_keras, example_folder, tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("atlas")
    engine.atlas(make_spec(tiny_keras, examples=example_folder), out, pipeline_args=IN_PROCESS)
    units.Unit("conv2", 1).path(out, ".json").unlink()  # a unit not finished: shown as missing, not linked
    site.build(out)
    return out


def test_every_page_opens_without_errors_and_every_image_loads(atlas):
    pages = sorted(atlas.rglob("*.html"))
    assert len(pages) == 1 + 2 + 5 and not units.Unit("conv2", 1).path(atlas, ".html").exists()
    with browser.Browser() as chromium:
        for page in pages:
            visit = chromium.visit(page)
            assert visit.errors == [], page
            assert visit.image_widths and all(width > 0 for width in visit.image_widths.values()), (page, visit)
        grid = chromium.visit(atlas / "conv2.html")
        assert len(grid.image_widths) == 2  # channels 0 and 2; 1 is missing
        unit = chromium.visit(units.Unit("conv3", 0).path(atlas, ".html"))
        assert {"c0000.png", "c0000_examples/r00.jpg", "c0000_examples/r02_image.jpg"} <= set(unit.image_widths)
        assert chromium.page.locator("svg.loss polyline").count() == 1
        assert chromium.page.locator("a[href='c0000.json']").count() == 1


def test_arrow_keys_go_to_the_neighbouring_channels_and_up(atlas):
    with browser.Browser() as chromium:
        chromium.visit(units.Unit("conv2", 0).path(atlas, ".html"))
        assert chromium.press("ArrowRight").url.endswith("units/conv2/c0002.html")  # 1 is not finished
        assert chromium.press("ArrowLeft").url.endswith("units/conv2/c0000.html")
        assert chromium.press("ArrowUp").url.endswith("/conv2.html")
        assert chromium.press("ArrowRight").url.endswith("/conv3.html")
        visit = chromium.press("ArrowUp")
        assert visit.url.endswith("/index.html") and visit.errors == []
        chromium.visit(units.Unit("conv3", 2).path(atlas, ".html"))
        chromium.page.keyboard.press("ArrowRight")  # the last channel: no next one, the page stays
        assert chromium.page.url.endswith("units/conv3/c0002.html")
