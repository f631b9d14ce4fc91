"""Forecast a panel: python scripts/forecast.py (CHECKPOINT | --weights NAME) DATA

The same as `zoo forecast`; --help says more.
"""

from zoo.commands.forecast import main

if __name__ == "__main__":
    main()
