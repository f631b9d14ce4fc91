"""zoo's global RNN against seasonal naive, Theta and AutoETS on the four M3 groups.

    python benchmarks/m3.py [--data m3/monthly,...] [--seeds 3] [--part test|validation]
                            [override ...]

The same as `benchmarks/forecast.py` (see there), on every M3 group by default.
"""

from forecast import main  # benchmarks/ is the script's folder, so it is on sys.path

if __name__ == "__main__":
    main(default_data="m3/monthly,m3/quarterly,m3/yearly,m3/other")
