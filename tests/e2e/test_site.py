"""The documentation site as `mkdocs build --strict` builds it (once per test session):
building runs every page (a failing block fails the build), its pages show what their code
printed and drew, its maths is typeset, its walkthroughs are notebooks, the model zoo and
the API reference say what the package holds.

Then the built site in a real browser (the tests marked `browser`): Debian's Chromium,
headless, 1280 px wide, driven by selenium through chromedriver, the site served on
127.0.0.1. The maths is typeset, no code block scrolls sideways, every picture loads,
nothing is fetched from another host (no CDN, no web fonts), printed outputs sit under
their code; and a screenshot of every page is written to site-screenshots/ (or
$ZOO_SCREENSHOTS) for a person to look at. `.ci/run` installs chromium and chromium-driver
when they are missing; without them (or selenium) those tests are skipped, saying what to
install. Both live in one module so that one test process builds the site for both."""

import functools
import http.server
import json
import os
import re
import shutil
import threading
from html import unescape
from pathlib import Path

import nbformat
import pytest
from PIL import Image

import zoo

from ..conftest import NO_MNIST, ROOT

DOCS = ROOT / "docs"
WALKTHROUGHS = ["quickstart", "neuron", "perceptron", "digits", "forecasting"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
RESULT = re.compile(r'<div class="result">\s*<div class="[^"]*highlight"><pre><span></span>'
                    r"<code>(.*?)</code>", re.DOTALL)  # fmt: skip


def printed(page: str) -> list[str]:
    """The outputs a page shows under its code blocks, as text."""
    return [unescape(re.sub(r"<[^>]+>", "", block)) for block in RESULT.findall(page)]


def test_building_the_site_runs_every_page_and_shows_what_it_printed(built_site):
    pages = {"neuron": 5, "perceptron": 5, "forecasting": 3, "quickstart": 4, "m3": 1}
    for page, blocks in pages.items():
        assert len(printed(built_site.page(page))) == blocks, page
    neuron = "\n".join(printed(built_site.page("neuron")))
    assert "sigmoid(7) = 0.9990889488055994" in neuron
    assert re.search(r"Emily: 0\.\d+ \(female\), Frank: 0\.\d+ \(male\)", neuron)
    assert "dL/dw5, dL/dw6 by autograd" in neuron
    perceptron = "\n".join(printed(built_site.page("perceptron")))
    assert "0 mistakes in the last epoch" in perceptron
    forecasting = "\n".join(printed(built_site.page("forecasting")))
    assert "rnn-lo-95" in forecasting and "SeasonalNaive" in forecasting
    assert "..." not in forecasting  # tables as wide as the column, no hidden columns
    assert "Execution of python code block" not in built_site.log


def test_the_troubleshooting_page_shows_zoos_own_messages(built_site):
    messages = printed(built_site.page("troubleshooting"))
    assert len(messages) >= 8
    assert all(re.match(r"\w+Error: ", message) for message in messages), messages
    text = "\n".join(messages)
    assert "unknown model 'resnet'; choose one of: cnn, mlp, perceptron, rnn" in text
    assert "task.lr=-1 is not allowed" in text and "already holds a run" in text
    assert "Traceback" not in text
    trust = built_site.page("troubleshooting")
    assert "weights_only=True" in trust  # the README's Trust section, included


def test_a_page_that_needs_mnist_runs_with_it_or_says_it_did_not(built_site):
    digits = built_site.page("digits")
    if not built_site.mnist:
        assert "This build did not run this page" in digits and not printed(digits)
        pytest.skip(f"the Seeing digits page was built without running: {NO_MNIST}")
    outputs = "\n".join(printed(digits))
    assert re.search(r"test accuracy 99\.\d\d% \(\d+ of 10,000 wrong\)", outputs)
    assert "perceptron test accuracy 8" in outputs
    assert "This build did not run this page" not in digits


def test_maths_is_typeset_when_the_site_is_built(built_site):
    neuron = built_site.page("neuron")
    assert neuron.count('<mjx-container class="MathJax" jax="SVG"') == 2
    assert 'display="true"' in neuron and 'display="false"' in neuron
    visible = re.sub(r"<svg.*?</svg>", "", neuron, flags=re.DOTALL)
    assert "\\[" not in visible and "\\(" not in visible
    assert not re.search(r"<script[^>]+(mathjax|katex)", neuron, re.IGNORECASE)


def test_every_walkthrough_downloads_as_the_notebook_of_its_page(built_site):
    for page in WALKTHROUGHS:
        assert f'href="../notebooks/{page}.ipynb"' in built_site.page(page), page
        notebook = nbformat.reads(
            (built_site.folder / "notebooks" / f"{page}.ipynb").read_text(), as_version=4
        )
        nbformat.validate(notebook)
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        source = (DOCS / f"{page}.md").read_text()
        assert code == [block.rstrip("\n") for block in PYTHON_BLOCK.findall(source)], page
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert "](assets/" not in markdown  # pictures are read where the cells save them


def test_the_model_zoo_page_is_generated_from_every_shipped_card(built_site):
    page = built_site.page("models")
    text = unescape(re.sub(r"<[^>]+>", "", page))
    for weights_id in zoo.list_weights():
        weights = zoo.get_weights(weights_id)
        card = json.loads(weights.card_path.read_text())
        assert f'id="{weights.stem}"' in page
        assert f"{card['num_params']:,}" in text and card["sha256"][:16] in text
        assert f'zoo.load_model("{weights.model}", weights="{weights.name}")' in text
        assert weights.command in text  # the command that trained it


def test_the_api_reference_shows_parameters_types_and_enum_members_once(built_site):
    page = built_site.page("api")
    for heading in ("zoo.data", "zoo.tasks", "zoo.plots", "zoo.weights", "zoo.forecasting"):
        assert f'id="{heading.replace(".", "")}"' in page, heading
    for name in ("CNN", "GlobalRNN", "Forecaster", "Panel", "MNISTDataModule"):
        headings = re.findall(rf'<h\d id="[\w.]*\b{name}"', page)
        assert len(headings) == 1, (name, headings)
    text = re.sub(r"<[^>]+>", "", page)
    assert re.search(r"in_channels\s*:\s*int\s*=\s*1", text)  # the constructor's signature
    assert "CNN_Weights.MNIST" in page or 'id="zoo.weights.CNN_Weights.MNIST"' in page
    assert text.count("Parameters:") >= 30 and "Raises:" in text and "Returns:" in text


def test_every_picture_a_page_shows_is_drawn_by_a_page(built_site):
    shown = {
        name
        for page in DOCS.glob("*.md")
        for name in re.findall(r"\(assets/([\w.-]+\.(?:png|gif))\)", page.read_text())
    }
    saved = {  # the file names the pages' code writes
        name
        for page in WALKTHROUGHS
        for name in re.findall(r'"([\w.-]+\.(?:png|gif))"', (DOCS / f"{page}.md").read_text())
    }
    assert shown and shown <= saved, shown - saved
    assert all((DOCS / "assets" / name).is_file() for name in shown)  # committed copies
    assert all((built_site.folder / "assets" / name).is_file() for name in shown)
    animation = Image.open(built_site.folder / "assets" / "perceptron_separable.gif")
    assert animation.n_frames == 20


# -- in a browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTH = 1280


PAGES = ["index", *WALKTHROUGHS, "models", "m3", "benchmarks", "api", "troubleshooting",
         "references", "changelog"]  # fmt: skip


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


@pytest.mark.browser
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


@pytest.mark.browser
def test_the_neuron_page_shows_its_formulas_typeset(browser, served):
    open_page(browser, served, "neuron")
    typeset = browser.execute_script(
        "return [...document.querySelectorAll('mjx-container svg')]"
        ".map(s => s.getBoundingClientRect().width)"
    )
    assert len(typeset) == 2 and min(typeset) > 50  # drawn, with a width on the page
    text = browser.execute_script("return document.querySelector('.md-content').innerText")
    assert "\\[" not in text and "\\(" not in text and "\\sigma" not in text


@pytest.mark.browser
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
