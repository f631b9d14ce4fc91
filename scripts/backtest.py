"""Backtest forecasters: python scripts/backtest.py [CHECKPOINT] DATA --methods ...

The same as `zoo backtest`; --help says more.
"""

from zoo.commands.backtest import main

if __name__ == "__main__":
    main()
