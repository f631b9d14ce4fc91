"""MkDocs hook: each walkthrough, downloadable as a Jupyter notebook made from the page.

A page whose front matter says `notebook: true` gets `notebooks/<page>.ipynb` in the built
site (jupytext reads the page's markdown: each ```python block becomes a code cell, the
prose between them markdown cells) and a link to it under its title. The notebook is
generated at every build from the page itself, so it cannot drift from what the site runs;
the page's shell commands stay text in it, to read, not cells that would run.
Pictures the page shows from `assets/` are the files its own cells save, so in the notebook
they are read from beside it, where the cells write them.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File
from mkdocs.utils.meta import get_data

ASSET_LINK = re.compile(r"\]\(assets/")
EXECUTION_OPTIONS = re.compile(r"^```python[ \t]+\S.*$", re.MULTILINE)
SHELL_FENCE = re.compile(r"^```(?:bash|sh)[ \t]*$", re.MULTILINE)

_notebooks: dict[str, str] = {}  # page source path -> notebook path in the site


def notebook_json(markdown: str, title: str) -> str:
    """The notebook (nbformat 4, JSON) of a page's markdown without its front matter."""
    import jupytext
    import nbformat

    markdown = ASSET_LINK.sub("](", markdown)
    markdown = EXECUTION_OPTIONS.sub("```python", markdown)
    # shell commands stay text to read (jupytext would make them %%bash cells that run)
    markdown = SHELL_FENCE.sub("```shell", markdown)
    notebook = jupytext.reads(markdown, fmt="md")
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    preface = (
        f"*{title}*, a page of zoo's documentation as a notebook, made from the page when "
        "the site was built. Run it where zoo is installed (`pip install zoo-classic-nets`, "
        'or `pip install -e ".[dev]"` in a checkout); the pictures its cells save appear '
        "beside it."
    )
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(preface))
    for number, cell in enumerate(notebook.cells):
        cell.metadata = {}
        cell.id = f"cell-{number}"  # the same ids at every build
    return nbformat.writes(notebook)


def on_files(files, config):
    _notebooks.clear()
    for page in list(files.documentation_pages()):
        markdown, meta = get_data(Path(page.abs_src_path).read_text(encoding="utf-8"))
        if not meta.get("notebook"):
            continue
        title = next((line[2:] for line in markdown.splitlines() if line.startswith("# ")), "")
        path = f"notebooks/{Path(page.src_uri).stem}.ipynb"
        files.append(File.generated(config, path, content=notebook_json(markdown, title)))
        _notebooks[page.src_uri] = path
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    path = _notebooks.get(page.file.src_uri)
    if path is None:
        return markdown
    link = f"[Download this page as a notebook]({path}){{ .md-button .notebook-download }}"
    lines = markdown.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "\n".join([*lines[:at], "", link, "", *lines[at:]])
