"""Search hyperparameters with Optuna: python scripts/tune.py model=mlp data=xor ...

The same as `zoo tune`; --help says more.
"""

from zoo.commands.tune import main

if __name__ == "__main__":
    main()
