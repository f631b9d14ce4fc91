"""Redraw the documentation's pictures (docs/assets/) by building the site, which runs its pages.

    python scripts/make_pictures.py

Building the site runs every page's code (docs/hooks/execution.py) and puts the pictures the
pages save into the built site's assets/; this copies the ones the pages show back into
docs/assets/, so the committed pictures are what the pages' own code draws, never drawn by
another route. Seeing digits needs MNIST: set ZOO_DATA_ROOT (or keep ../shared/data);
without it that page's pictures are left as they are. About 80 s on two cores.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SHOWN = re.compile(r"\]\(assets/(?P<name>[\w.-]+\.(?:png|gif))\)")


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    shared = ROOT.parent / "shared" / "data"
    if "ZOO_DATA_ROOT" not in env and (shared / "MNIST" / "raw").is_dir():
        env["ZOO_DATA_ROOT"] = str(shared)
    with tempfile.TemporaryDirectory(prefix="zoo-pictures-") as site:
        # not --strict: a picture a page has just started to show is not committed yet
        build = [sys.executable, "-m", "mkdocs", "build", "--site-dir", site]
        result = subprocess.run(build, cwd=ROOT, env=env, capture_output=True, text=True)
        log = result.stdout + result.stderr
        if result.returncode != 0 or "Execution of python code block" in log:
            print(log, file=sys.stderr)
            print("a page's code failed: no picture copied", file=sys.stderr)
            return 1
        shown = {m["name"] for page in DOCS.glob("*.md") for m in SHOWN.finditer(page.read_text())}
        (DOCS / "assets").mkdir(exist_ok=True)
        for name in sorted(shown):
            drawn = Path(site) / "assets" / name
            if drawn.is_file():
                shutil.copyfile(drawn, DOCS / "assets" / name)
                print(f"docs/assets/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
