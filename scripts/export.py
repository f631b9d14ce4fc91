"""Export a checkpoint's network: python scripts/export.py CHECKPOINT --out STEM

The same as `zoo export`; --help says more.
"""

from zoo.commands.export import main

if __name__ == "__main__":
    main()
