"""Evaluate a checkpoint on its run's test set: python scripts/eval.py ckpt_path=...

The same as `zoo eval`; --help says more.
"""

from zoo.commands.eval import main

if __name__ == "__main__":
    main()
