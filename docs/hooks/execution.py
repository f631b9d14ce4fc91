"""MkDocs hook: the site's pages run when it is built, and show what they printed.

Every bare ```python block of a page (no options after the language) becomes a markdown-exec
block: it runs in one session per page, in order, in a scratch folder, and what it prints
is shown under it. An exception stops a strict build (`mkdocs build --strict`), so building
the site tests its pages; the test suite builds it (tests/e2e/test_site.py). A block written
with markdown-exec options of its own (say a hidden one that prints a generated table) is
left as written.

A page whose front matter says `needs: mnist` runs only when $ZOO_DATA_ROOT holds
`MNIST/raw/`; without it the page is built unrun, with a note saying so at its top (the
pictures are then the committed ones in docs/assets/).

The pictures a page shows from `assets/` (PNG, GIF) are files its code saves: they land in
the scratch folder and replace the committed copies in the built site's assets/, so the
site shows what this build drew; scripts/make_pictures.py copies them back into
docs/assets/. Printed tables are as wide as the column: pandas is set to 74 characters.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.execution")

BARE_PYTHON_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*$", re.MULTILINE)
EMPTY_RESULT = re.compile(
    r'<div class="result">\s*<div class="(?:language-text )?highlight"><pre><span></span>'
    r"<code>\s*</code></pre></div>\s*</div>"
)
SHOWN_PICTURE = re.compile(r"\]\(assets/(?P<name>[\w.-]+\.(?:png|gif))\)")
COLUMN_CHARACTERS = 74  # what the page column shows of a code block at 1280 px
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")  # fmt: skip

_scratch: Path | None = None
_shown: set[str] = set()  # the pictures the executed pages show


def mnist_missing() -> str | None:
    """Why the MNIST pages cannot run here, or None when $ZOO_DATA_ROOT holds the files."""
    root = os.environ.get("ZOO_DATA_ROOT")
    if not root:
        return "ZOO_DATA_ROOT is not set"
    raw = Path(root).expanduser() / "MNIST" / "raw"
    missing = [name for name in MNIST_FILES if not (raw / name).is_file()]
    return f"{raw} lacks {', '.join(missing)}" if missing else None


def on_pre_build(config, **kwargs) -> None:
    global _scratch
    _scratch = Path(tempfile.mkdtemp(prefix="zoo-docs-"))
    _shown.clear()
    # Lightning's own deprecation notice, printed by every training run: not the pages'
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")
    try:
        import pandas
    except ImportError:
        return
    pandas.set_option("display.width", COLUMN_CHARACTERS, "display.max_columns", None)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.meta.get("needs") == "mnist" and (why := mnist_missing()):
        log.info("%s built without running its code: %s", page.file.src_path, why)
        note = (
            '!!! warning "This build did not run this page"\n'
            f"    Its code needs the MNIST files and {why}, so the outputs under the code "
            "are missing and the pictures are the ones last drawn by a build that had "
            "them. Set `ZOO_DATA_ROOT` to a folder holding `MNIST/raw/` and build again.\n\n"
        )
        return _after_title(markdown, note)
    _shown.update(match["name"] for match in SHOWN_PICTURE.finditer(markdown))
    session = Path(page.file.src_path).stem
    options = f'exec="on" session="{session}" source="block" result="text" workdir="{_scratch}"'
    return BARE_PYTHON_FENCE.sub(rf"\g<indent>```python {options}", markdown)


def on_page_content(html: str, page, config, files) -> str:
    return EMPTY_RESULT.sub("", html)  # a block that printed nothing gets no output box


def on_post_build(config, **kwargs) -> None:
    assets = Path(config["site_dir"]) / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in sorted(_shown):
        if (_scratch / name).is_file():
            shutil.copyfile(_scratch / name, assets / name)
    _remove_scratch()


def on_build_error(error, **kwargs) -> None:
    _remove_scratch()


def _remove_scratch() -> None:
    global _scratch
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)  # the pages' training runs and files
        _scratch = None


def _after_title(markdown: str, text: str) -> str:
    """`text` inserted after the page's first heading (or at its top)."""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join([*lines[: i + 1], "", text, *lines[i + 1 :]])
    return text + markdown
