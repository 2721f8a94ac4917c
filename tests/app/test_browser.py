"""The app in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright) on `tfdream app`
started as a user starts it, with a tiny saved model.

Set TFDREAM_SCREENSHOTS=docs/gallery to also write the page's screenshot there (app.png, for the README).
"""

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from tfdream import testing
from tfdream.io import images, samples
from tfdream.models import metadata

pytest.importorskip("gradio", reason="the app needs gradio (pip install 'tfdream[app]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("no system Chromium (apt-get install chromium)", allow_module_level=True)

ROOT = pathlib.Path(__file__).resolve().parents[2]
WAIT = 60_000  # ms: generous for slow machines; a broken page fails at the first of these


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tfdream(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfdream.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`tfdream app --model=tiny.keras` on a free port, with its own TMPDIR; stopped (SIGTERM) afterwards."""
    folder = tmp_path_factory.mktemp("app")
    model = folder / "tiny.keras"
    testing.tiny_model().save(model)
    metadata.ModelMetadata("tiny", "inception", (32, 32), default_layers=("conv2", "conv3")).save(model)
    temp = folder / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join(filter(None, [
        str(ROOT), os.environ.get("PYTHONPATH")]))}
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "tfdream.cli", "app", f"--model={model}", f"--port={port}"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the app did not start: {process.communicate()[0]}")
    yield {"url": url, "folder": folder, "temp": temp, "env": env, "process": process}
    process.send_signal(signal.SIGTERM)
    log = process.communicate(timeout=60)[0]
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    assert not list(temp.iterdir()), "the app left files in its temporary folder"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 1500}, accept_downloads=True)
    opened = context.new_page()
    opened.goto(served["url"])
    opened.wait_for_selector("#dream-button", timeout=WAIT)
    yield opened
    context.close()


def _set_number(page, selector: str, value) -> None:
    field = page.locator(f"{selector} input[type=number]").first
    field.fill(str(value))
    field.press("Tab")  # the slider takes the value when the field loses focus
    sync_api.expect(page.locator(f"{selector} input[type=range]")).to_have_value(str(value))


def _upload(page, path) -> None:
    page.set_input_files("#upload input[type=file]", str(path))


def test_dream_stop_download_and_rerun_to_the_same_bits(page, served):
    expect = sync_api.expect
    photo = served["folder"] / "coffee.jpg"
    shutil.copyfile(samples.path("coffee"), photo)
    _upload(page, photo)
    expect(page.locator("#kind input[value=upload]")).to_be_checked(timeout=WAIT)
    _set_number(page, "#max_dim", 96)
    _set_number(page, "#steps", 12)
    page.click("#dream-button")
    expect(page.locator("#progress")).to_contain_text("ETA", timeout=WAIT)
    expect(page.locator("#octave-gallery img")).to_have_count(3, timeout=WAIT)
    expect(page.locator("#status")).to_contain_text("done: 36 steps", timeout=WAIT)
    expect(page.locator("#downloads a[download]")).to_have_count(5, timeout=WAIT)
    screenshots = os.environ.get("TFDREAM_SCREENSHOTS")
    if screenshots:
        page.screenshot(path=str(pathlib.Path(screenshots) / "app.png"), full_page=True)

    _set_number(page, "#max_dim", 512)  # long enough to be stopped in the first octave
    _set_number(page, "#steps", 200)
    page.click("#dream-button")
    expect(page.locator("#progress")).to_contain_text("octave 1/3 step", timeout=WAIT)
    page.click("#stop-button")
    expect(page.locator("#status")).to_contain_text("stopped after", timeout=WAIT)
    links = page.locator("#downloads a[download]")
    expect(links).to_have_count(5, timeout=WAIT)
    folder = served["folder"] / "downloaded"  # the image, the sidecar and the photo it names, side by side
    folder.mkdir()
    downloaded = {}
    for index in range(5):
        name = links.nth(index).get_attribute("download")
        if name in ("dream_history.csv", "dream_losses.png"):
            continue
        with page.expect_download() as download:
            links.nth(index).click()
        downloaded[name] = folder / name
        download.value.save_as(downloaded[name])
    assert len(downloaded) == 3, sorted(downloaded)
    again = served["folder"] / "again.png"
    rerun = _tfdream("rerun", downloaded["dream.json"], again, env=served["env"])
    assert rerun.returncode == 0, rerun.stderr
    assert np.array_equal(images.load_image(again), images.load_image(downloaded["dream.png"]))


def test_an_unreadable_upload_shows_the_error_and_the_app_goes_on(page, served):
    expect = sync_api.expect
    broken = served["folder"] / "broken.png"
    broken.write_bytes(b"not an image")
    _upload(page, broken)
    expect(page.locator("#status")).to_contain_text("the uploaded photo cannot be read", timeout=WAIT)
    page.click("#kind input[value=noise]")
    _set_number(page, "#steps", 2)
    page.click("#dream-button")
    expect(page.locator("#status")).to_contain_text("done: 6 steps", timeout=WAIT)
    page.click("#kind input[value=upload]")
    page.click("#dream-button")
    expect(page.locator("#status")).to_contain_text("error: the uploaded photo cannot be read", timeout=WAIT)
    expect(page.locator("#status")).not_to_contain_text("Traceback")
