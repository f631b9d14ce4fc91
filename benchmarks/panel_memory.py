"""Peak memory of a large synthetic panel: windows are an index, only batches are copied.

    python benchmarks/panel_memory.py [--series 100000] [--length 300] [--batches 50]

A child process writes `--series` random walks of `--length` values each as a long-format
Parquet file (unique_id, ds, y). This process then reads it through the data module (every
check of `panel_from_frame` included), sets up the training and validation windows, draws
`--batches` shuffled training batches of 1,024 windows, and prints its peak resident
memory beside what the flat values alone take.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def write_panel(path: str, series: int, length: int) -> None:
    rng = np.random.default_rng(0)
    values = 100 + np.cumsum(rng.standard_normal((series, length)), axis=1)
    pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(series), length),
            "ds": np.tile(np.arange(length), series),
            "y": np.abs(values).reshape(-1).astype(np.float32) + 1,
        }
    ).to_parquet(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.write:
        return write_panel(args.write, args.series, args.length)

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "panel.parquet")
        size = ["--series", str(args.series), "--length", str(args.length)]
        subprocess.run([sys.executable, __file__, "--write", path, *size], check=True)
        print(f"{args.series:,} series x {args.length} values written as Parquet")
        from zoo.data import PanelDataModule

        start = time.perf_counter()
        data = PanelDataModule(
            source="parquet",
            path=path,
            horizon=18,
            input_length=36,
            season_length=1,  # integer times: no season to infer
            batch_size=1024,
        )
        data.setup("fit")
    print(
        f"read, checked and windowed in {time.perf_counter() - start:.0f} s: "
        f"{len(data.train_set):,} training windows, {len(data.val_set):,} validation windows; "
        f"flat values {data.history.values.numel() * 4 / 1e9:.2f} GB; peak {peak_gb():.2f} GB"
    )
    batches = iter(data.train_dataloader())
    start = time.perf_counter()
    for _ in range(args.batches):
        batch = next(batches)
    seconds = time.perf_counter() - start
    print(
        f"{args.batches} shuffled batches of {batch['x'].shape[0]} windows in {seconds:.2f} s "
        f"(including the epoch's shuffle of every window number); peak {peak_gb():.2f} GB"
    )


if __name__ == "__main__":
    main()
