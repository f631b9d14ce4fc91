"""Rolling-origin backtest of a trained forecaster and of the baselines, with intervals.

    python scripts/backtest.py CHECKPOINT --m3 monthly --step 6 --out backtest.csv
    python scripts/backtest.py CHECKPOINT sales.csv --n-windows 4 --step 6
    python scripts/backtest.py CHECKPOINT sales.csv --methods rnn SeasonalNaive Theta --refit
    python scripts/backtest.py --weights rnn-m3-monthly --m3 monthly --methods rnn rnn+Theta
    python scripts/backtest.py sales.csv --horizon 12 --methods SeasonalNaive Theta AutoETS

For `--n-windows` cutoffs `--step` periods apart (default: the horizon), the last ending a
horizon before each series' end, every method forecasts each series from the values
before the cutoff alone. Writes the long-format result as statsforecast's and
neuralforecast's cross_validation do (unique_id, ds, cutoff, y, one column per method and
its `<method>-lo-80`... interval bounds; never overwriting a file) and prints a summary per
method: sMAPE, MASE, and each level's coverage and mean width. Without a network (no
CHECKPOINT or --weights) only the baselines run, and --horizon says the window length.

The network is reused as trained unless --refit, which trains it anew on the data before
each cutoff (a whole training per cutoff) with the network settings the checkpoint records
and the rnn_csv recipe (nothing of the run folder's config is read). Cutoffs inside its own
training data give it in-sample forecasts, which a reused network has seen: on M3, only
the test part lies after the training parts. Intervals: the network's are the conformal
intervals it carries (calibrated on its validation forecasts); each baseline's are
calibrated by its own backtest on the values before the first cutoff. The RNN + Theta
hybrid (rnn+Theta: the mean of the network's and Theta's forecasts, see the README) gets
intervals that way only with --refit (the reused network has trained on those windows).
"""

from zoo.forecasting.commands import backtest_main

if __name__ == "__main__":
    backtest_main(doc=__doc__)
