"""The built site in a real browser: Debian's Chromium, headless, 1280 px wide, driven by
selenium through chromedriver, the site served on 127.0.0.1. The maths is typeset, no code
block scrolls sideways, every picture loads, nothing is fetched from another host (no CDN,
no web fonts), printed outputs sit under their code; and a screenshot of every page is
written to site-screenshots/ (or $ZOO_SCREENSHOTS) for a person to look at. `.ci/run`
installs chromium and chromium-driver when they are missing; without them (or selenium)
the test is skipped, saying what to install."""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTH = 1280
WALKTHROUGHS = ["quickstart", "neuron", "perceptron", "digits", "forecasting"]
PAGES = ["index", *WALKTHROUGHS, "models", "m3", "benchmarks", "api", "troubleshooting",
         "references", "changelog"]  # fmt: skip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    selenium = pytest.importorskip("selenium", reason="selenium: pip install -e '.[dev]'")
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no headless Chromium: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert selenium
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        # a closed network: no background connections, no lookups of Google's hosts
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={WIDTH},900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def served(built_site):
    """The built site over HTTP on 127.0.0.1 (a free port), for the module's tests."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(built_site.folder)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("ZOO_SCREENSHOTS") or ROOT / "site-screenshots")
    shutil.rmtree(folder, ignore_errors=True)  # this run's pictures only
    folder.mkdir(parents=True)
    return folder


def open_page(driver, base: str, page: str) -> None:
    driver.set_window_size(WIDTH, 900)
    driver.get(f"{base}/" if page == "index" else f"{base}/{page}/")
    driver.execute_script("return document.fonts.ready")


LAYOUT = """
const blocks = [...document.querySelectorAll('.md-content pre')];
const images = [...document.querySelectorAll('.md-content img')];
return {
  page: [document.documentElement.scrollWidth, window.innerWidth],
  code: blocks.filter(b => b.scrollWidth > b.clientWidth + 1).map(
    b => [b.textContent.slice(0, 60), b.scrollWidth, b.clientWidth]),
  codeBlocks: blocks.length,
  brokenImages: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
  elsewhere: performance.getEntriesByType('resource').map(r => r.name).filter(
    url => !url.startsWith(location.origin)),
  height: document.documentElement.scrollHeight,
};
"""


def test_every_page_fits_the_window_and_its_pictures_load(browser, served, screenshots):
    problems = {}
    for page in PAGES:
        open_page(browser, served, page)
        layout = browser.execute_script(LAYOUT)
        page_width, window = layout["page"]
        if page_width > window or layout["brokenImages"] or layout["elsewhere"]:
            problems[page] = layout
        if page in WALKTHROUGHS and layout["code"]:
            problems[page] = layout["code"]  # a code block that scrolls sideways
        browser.set_window_size(WIDTH, min(layout["height"] + 100, 30_000))
        browser.save_screenshot(str(screenshots / f"{page}.png"))
    assert not problems, problems
    assert sorted(p.stem for p in screenshots.glob("*.png")) == sorted(PAGES)


def test_the_neuron_page_shows_its_formulas_typeset(browser, served):
    open_page(browser, served, "neuron")
    typeset = browser.execute_script(
        "return [...document.querySelectorAll('mjx-container svg')]"
        ".map(s => s.getBoundingClientRect().width)"
    )
    assert len(typeset) == 2 and min(typeset) > 50  # drawn, with a width on the page
    text = browser.execute_script("return document.querySelector('.md-content').innerText")
    assert "\\[" not in text and "\\(" not in text and "\\sigma" not in text


def test_printed_outputs_appear_under_their_code(browser, served):
    open_page(browser, served, "neuron")
    outputs = browser.execute_script(
        """
        return [...document.querySelectorAll('.md-content .result')].map(result => {
          const code = result.previousElementSibling;
          const c = code.getBoundingClientRect(), r = result.getBoundingClientRect();
          return [code.matches('div.highlight') && !code.closest('.result'),
                  r.top > c.top + c.height / 2 && r.bottom > c.bottom,  // under it
                  result.innerText.trim()];
        });
        """
    )
    assert len(outputs) == 5
    assert all(is_code and below and text for is_code, below, text in outputs), outputs
    assert "sigmoid(7) = 0.9990889488055994" in outputs[0][2]
    assert "Emily" in outputs[-1][2] and "Frank" in outputs[-1][2]
