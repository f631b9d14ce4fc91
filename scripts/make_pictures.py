"""Draw the documentation's pictures by running its walkthrough pages, as the tests do.

    python scripts/make_pictures.py [PAGE ...]      # default: every page that draws one

Each page's code blocks run in order, in docs/assets/, so the PNG files they save are the
ones the pages show: the pictures are what the code on the page makes, never drawn by
another route. Seeing digits needs MNIST: set ZOO_DATA_ROOT (or keep ../shared/data).
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["perceptron.md", "digits.md", "forecasting.md"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=PAGES, help=f"default: {' '.join(PAGES)}")
    args = parser.parse_args()
    from mktestdocs import grab_code_blocks

    shared = ROOT.parent / "shared" / "data"
    if "ZOO_DATA_ROOT" not in os.environ and (shared / "MNIST" / "raw").is_dir():
        os.environ["ZOO_DATA_ROOT"] = str(shared)
    assets = ROOT / "docs" / "assets"
    assets.mkdir(exist_ok=True)
    os.chdir(assets)
    for page in args.pages:
        code = "\n".join(grab_code_blocks((ROOT / "docs" / page).read_text(), lang="python"))
        print(f"running docs/{page} in {assets}", flush=True)
        exec(compile(code, page, "exec"), {"__name__": "__main__"})
    shutil.rmtree(assets / "runs", ignore_errors=True)  # the pages' training runs: not pictures
    print("pictures:", ", ".join(sorted(p.name for p in assets.glob("*.png"))))


if __name__ == "__main__":
    sys.exit(main())
