"""Forecast every series of a panel with a trained forecaster checkpoint or shipped weights.

    python scripts/forecast.py CHECKPOINT sales.csv --out forecasts.csv
    python scripts/forecast.py CHECKPOINT sales.parquet --plot store_1 store_7
    python scripts/forecast.py CHECKPOINT --m3 monthly --out m3_forecasts.csv
    python scripts/forecast.py CHECKPOINT --series co2
    python scripts/forecast.py --weights rnn-m3-monthly sales.csv   # no checkpoint needed
    python scripts/forecast.py --weights rnn-m3-monthly sales.csv --hybrid

DATA is long format, one row per (series id, time, value): columns unique_id, ds, y unless
--id-column, --time-column and --value-column name others (--id-column '' for a file of one
series). The forecasts are written in long format as statsforecast and neuralforecast write
them (unique_id, ds, rnn, and rnn-lo-95, rnn-lo-80, rnn-hi-80, rnn-hi-95 when the network
carries conformal intervals; --levels picks some) for the `horizon` periods after each
series' last value, and a plot beside them (same name, .png) on the series' own dates: the
series given to --plot, or a grid of a few, with the interval bands. Existing files are
never overwritten, and every output is checked before the work.

--weights NAME takes a forecaster shipped with zoo (rnn-m3-monthly: monthly series, 18
months ahead) in place of CHECKPOINT. A network refuses series it cannot serve: values <= 0
for one trained on positive series (log scaling), and dates of another frequency than it
trained on (unless --force-freq). --hybrid writes the RNN + Theta hybrid (column
rnn+Theta): the mean of the network's forecasts and statsforecast's Theta fitted on each
series (the most accurate on M3 monthly and quarterly, see the README); it has no
intervals (the stored ones are the network's alone), so none are written.
"""

from zoo.forecasting.commands import forecast_main

if __name__ == "__main__":
    forecast_main(doc=__doc__)
