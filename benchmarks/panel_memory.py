"""Peak memory of a large synthetic panel: windows are an index, only batches are copied.

    python benchmarks/panel_memory.py [--series 100000] [--length 300] [--batches 50]

Builds a panel of `--series` random walks of `--length` values each (through the long-
format frame a user would give, then `panel_from_frame` with all its checks), sets up the
data module's training and validation windows, draws `--batches` shuffled training
batches of 1,024 windows, and prints the peak resident memory of the process with what
the flat values alone take.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--batches", type=int, default=50)
    args = parser.parse_args()

    from zoo.data import PanelDataModule

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    values = 100 + np.cumsum(rng.standard_normal((args.series, args.length)), axis=1)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(args.series), args.length),
            "ds": np.tile(np.arange(args.length), args.series),
            "y": np.abs(values).reshape(-1).astype(np.float32) + 1,
        }
    )
    del values
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "panel.parquet"
        frame.to_parquet(path)
        del frame
        print(f"wrote {args.series:,} x {args.length} values as Parquet: peak {peak_gb():.2f} GB")
        data = PanelDataModule(
            source="parquet", path=str(path), horizon=18, input_length=36, batch_size=1024
        )
        data.setup("fit")
    print(
        f"panel and windows ready in {time.perf_counter() - start:.0f} s: "
        f"{len(data.train_set):,} training windows, {len(data.val_set):,} validation windows; "
        f"flat values {data.history.values.numel() * 4 / 1e9:.2f} GB; peak {peak_gb():.2f} GB"
    )
    loader = data.train_dataloader()
    start = time.perf_counter()
    batches = iter(loader)
    for _ in range(args.batches):
        batch = next(batches)
    seconds = time.perf_counter() - start
    print(
        f"{args.batches} shuffled batches of {batch['x'].shape[0]} windows in {seconds:.2f} s "
        f"(including the epoch's shuffle of every window number); peak {peak_gb():.2f} GB"
    )


if __name__ == "__main__":
    main()
