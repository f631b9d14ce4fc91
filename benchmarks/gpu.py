"""zoo on one CUDA GPU: checks and times, in one short run, what a GPU user meets.

    python benchmarks/gpu.py [--data-root DIR] [--only PART,...] [--log-dir DIR]

Without a CUDA device it prints "no CUDA device: skipped" and exits 0. On a GPU it runs the
parts below, each but the first in its own process with its own time limit (and the whole
within 6 minutes: a part gets at most what is left), prints a line per part as it ends,
then ONE line of JSON with every figure and check, and exits 1 if any check failed.

  env       torch, CUDA, cuDNN and Lightning versions, the device, its compute capability
            and memory, what trainer.precision=auto picks there and why
            (zoo.devices.resolve_precision; checked: bf16-mixed from capability 8.0), and
            the FLOP/s of a large matmul in fp32 and bf16 (the hardware's limit).
  tests     `python -m pytest -m gpu` (tests/test_gpu.py): passed, failed, skipped.
  forecast  the shipped forecaster (Forecaster.from_weights("rnn-m3-monthly")) forecasting
            the 1,428 M3 monthly series on the GPU: seconds to load, to forecast (twice: the
            first includes CUDA's start-up), and test sMAPE / MASE (checked: its card's,
            within the card's tolerance).
  fast      `zoo train experiment=fast`: whole-process and fit seconds, test accuracy
            (checked: >= 99.0%; 99.19-99.33% on the CPU, docs/benchmarks.md).
  ddp       `zoo train experiment=fast trainer=ddp trainer.devices=1`: DistributedDataParallel
            over NCCL in one process, the same figures and check.
  cnn       `zoo train model=cnn` (the default recipe, 15 epochs), the same figures
            (checked: >= 99.4%; 99.57-99.62% on the CPU).
  rnn       `zoo train model=rnn trainer.precision=auto test=false` (the M3 monthly recipe,
            bf16 autocast on the GPU): whole-process and fit seconds, validation sMAPE / MASE
            (checked: within 0.5 / 0.03 of float32 on the CPU, seed 0: 14.06 / 0.881, docs/m3.md).

Trainings run as a user runs them (the installed `zoo` command, else scripts/train.py),
timed from launch to exit; their figures come from the run's metrics.json and config.yaml.
MNIST: --data-root, else $ZOO_DATA_ROOT, else ../shared/data beside the repository (a folder
holding MNIST/raw/). Every run folder lives in a temporary folder removed at the end.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
BUDGET_S = 345  # all parts together, so that the whole run stays under 6 minutes
SKIP_LINE = "no CUDA device: skipped"

# part -> (zoo train overrides, time limit s, {metric: (">=" or "<=", bound)})
TRAININGS = {
    "fast": (["experiment=fast"], 75, {"test/acc": (">=", 0.99)}),
    "ddp": (
        ["experiment=fast", "trainer=ddp", "trainer.devices=1"],
        90,
        {"test/acc": (">=", 0.99)},
    ),
    "cnn": (["model=cnn"], 150, {"test/acc": (">=", 0.994)}),
    "rnn": (
        ["model=rnn", "trainer.precision=auto", "test=false"],
        180,
        {"val/smape": ("<=", 14.06 + 0.5), "val/mase": ("<=", 0.881 + 0.03)},
    ),
}
MNIST_PARTS = ("fast", "ddp", "cnn")
TEST_LIMIT_S, FORECAST_LIMIT_S = 150, 90
PARTS = ("tests", "forecast", *TRAININGS)  # in the order they run, after env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-root", help="folder holding MNIST/raw/ (see above)")
    parser.add_argument(
        "--only",
        help=f"comma-separated parts to run after env (default: all: {','.join(PARTS)})",
    )
    parser.add_argument(
        "--log-dir", help="keep each part's full output here as PART.log (default: not kept)"
    )
    parser.add_argument("--forecast-child", metavar="DEVICE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.forecast_child:  # the forecast part's own process: one JSON line
        print(json.dumps(forecast_m3(args.forecast_child)))
        return
    parts = [p.strip() for p in args.only.split(",")] if args.only else list(PARTS)
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; choose from {','.join(PARTS)}")
    log_dir = Path(args.log_dir) if args.log_dir else None
    if log_dir is not None:
        kept = [log_dir / f"{p}.log" for p in parts if (log_dir / f"{p}.log").exists()]
        if kept:  # nothing a user wrote is overwritten
            parser.error(f"{kept[0]} exists; choose another --log-dir (nothing was run)")

    import torch

    if not torch.cuda.is_available():
        print(SKIP_LINE)
        return
    started = time.perf_counter()
    report = {"env": reported(environment)}
    print(f"env: {summary(report['env'])}", flush=True)
    with tempfile.TemporaryDirectory(prefix="zoo-gpu-") as work:
        runner = Runner(Path(work), log_dir or Path(work), mnist_root(args.data_root), started)
        for part in (p for p in PARTS if p in parts):
            report[part] = reported(runner.run_part, part)
            print(f"{part}: {summary(report[part])}", flush=True)
    failed = [name for name, result in report.items() if not result["ok"]]
    report["failed"] = failed
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, separators=(",", ":")))
    sys.exit(1 if failed else 0)


def reported(work, *args) -> dict:
    """`work(*args)`, or what went wrong in it: one part's failure never costs the others'
    figures or the JSON line."""
    try:
        return work(*args)
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def environment() -> dict:
    """The machine, and what precision=auto picks on it and why."""
    import lightning
    import torch
    from limits import matmul_flops  # benchmarks/ is the script's folder: on sys.path

    from zoo.devices import resolve_precision

    major, minor = torch.cuda.get_device_capability()
    precision, why = resolve_precision("auto", "auto")
    expected = "bf16-mixed" if major >= 8 else None  # the promise checked here
    flops = {"fp32": matmul_flops(torch.float32, "cuda")}
    if torch.cuda.is_bf16_supported(including_emulation=False):
        flops["bf16"] = matmul_flops(torch.bfloat16, "cuda")
    torch.cuda.empty_cache()
    return {
        "ok": expected is None or precision == expected,
        "device": torch.cuda.get_device_name(0),
        "capability": f"{major}.{minor}",
        "memory_gib": round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1),
        "devices": torch.cuda.device_count(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "lightning": lightning.__version__,
        "precision_auto": precision,
        "why": why,
        "matmul_tflops": {k: round(v / 1e12, 1) for k, v in flops.items()},
    }


def mnist_root(given: str | None) -> Path | None:
    """The first of --data-root, $ZOO_DATA_ROOT and ../shared/data that holds MNIST/raw."""
    from zoo.data.mnist import DATA_ROOT_ENV, MNIST_FILES

    for root in (given, os.environ.get(DATA_ROOT_ENV), SHARED_DATA):
        if root and all((Path(root) / "MNIST" / "raw" / name).is_file() for name in MNIST_FILES):
            return Path(root).resolve()
    return None


class Runner:
    """Runs each part as a process with a time limit, within the whole run's budget."""

    def __init__(self, work: Path, log_dir: Path, data_root: Path | None, started: float):
        self.work, self.log_dir, self.data_root, self.started = work, log_dir, data_root, started
        self.log_dir.mkdir(parents=True, exist_ok=True)
        zoo = shutil.which("zoo")
        self.train_command = (
            [zoo, "train"] if zoo else [sys.executable, str(ROOT / "scripts" / "train.py")]
        )

    def run_part(self, part: str) -> dict:
        if part == "tests":
            return self.tests()
        if part == "forecast":
            return self.forecast()
        return self.training(part)

    def limit(self, wanted: float) -> float:
        return min(wanted, BUDGET_S - (time.perf_counter() - self.started))

    def run(self, part: str, command: list[str], limit: float, cwd: Path) -> dict:
        """{"code": exit code or None past the limit, "seconds": wall, "output": text}.
        The process gets its own session, so a timeout ends it and every child it made."""
        limit = self.limit(limit)
        if limit < 10:
            return {"code": None, "seconds": 0.0, "output": "not run: the 6-minute budget is spent"}
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        if self.data_root is not None:
            env["ZOO_DATA_ROOT"] = str(self.data_root)
        log_path = self.log_dir / f"{part}.log"
        start = time.perf_counter()
        with log_path.open("w+") as log:  # a file, not a pipe: no pipe to fill and block
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                start_new_session=True,
            )  # fmt: skip
            try:
                code = process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                code = None
            except KeyboardInterrupt:
                os.killpg(process.pid, signal.SIGKILL)
                raise
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            seconds = time.perf_counter() - start
            log.seek(0)
            output = log.read()
        if code is None:
            output += f"\nstopped after {limit:.0f} s (its time limit)"
        return {"code": code, "seconds": round(seconds, 1), "output": output}

    def tests(self) -> dict:
        junit = self.work / "gpu-tests.xml"
        command = [
            sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-rfEs",
            "-p", "no:cacheprovider",  # no .pytest_cache left in the repository
            # in this process: not pyproject's two (pytest-xdist, which this machine may lack)
            "-o", "addopts=",
            # a test module that cannot be imported here (a package the GPU machine lacks)
            # holds no gpu test: reported, not fatal
            "--continue-on-collection-errors",
            f"--basetemp={self.work / 'pytest'}", f"--junitxml={junit}",
        ]  # fmt: skip
        done = self.run("tests", command, TEST_LIMIT_S, ROOT)
        result = {"seconds": done["seconds"], **junit_counts(junit)}
        result["ok"] = done["code"] is not None and result["passed"] > 0 and not result["failures"]
        if not result["ok"]:
            result["error"] = last_lines(done["output"])
        return result

    def forecast(self) -> dict:
        command = [sys.executable, str(Path(__file__).resolve()), "--forecast-child", "cuda"]
        done = self.run("forecast", command, FORECAST_LIMIT_S, self.work)
        try:
            result = json.loads(done["output"].strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            return {"ok": False, "seconds": done["seconds"], "error": last_lines(done["output"])}
        return result | {"process_s": done["seconds"], "ok": done["code"] == 0 and result["ok"]}

    def training(self, part: str) -> dict:
        overrides, limit, bounds = TRAININGS[part]
        if part in MNIST_PARTS and self.data_root is None:
            return {
                "ok": False,
                "error": f"no MNIST/raw/ in --data-root, $ZOO_DATA_ROOT or {SHARED_DATA}: "
                "give one of them the four MNIST files",
            }
        folder = self.work / part
        command = [*self.train_command, *overrides, f"hydra.run.dir={folder}"]
        done = self.run(part, command, limit, self.work)
        result = {"command": " ".join(["zoo train", *overrides]), "seconds": done["seconds"]}
        metrics_file = folder / "metrics.json"
        if done["code"] != 0 or not metrics_file.is_file():
            return result | {"ok": False, "error": last_lines(done["output"])}
        metrics = json.loads(metrics_file.read_text())
        result["fit_s"] = round(metrics["time/fit_s"], 1)
        result["precision"] = run_precision(folder / "config.yaml")
        missed = []
        for name, (relation, bound) in bounds.items():
            value = metrics.get(name)
            result[name] = value
            if value is None or not (value >= bound if relation == ">=" else value <= bound):
                missed.append(f"{name} {value} (wanted {relation} {bound:g})")
        if missed:
            result["error"] = "; ".join(missed)
        return result | {"ok": not missed}


def forecast_m3(device: str) -> dict:
    """The shipped M3 monthly forecaster forecasting the 1,428 series on `device`: seconds
    to load it, to forecast (twice), and the test sMAPE / MASE against its card's.

    The only code here that calls the forecasting API, which issue 24 reshapes: adapt this
    function when `Forecaster.from_weights` or `predict` change."""
    import torch

    from zoo.forecasting import Forecaster
    from zoo.timeseries import m3_panel
    from zoo.timeseries.metrics import panel_means, seasonal_naive_scale
    from zoo.weights import get_weights

    start = time.perf_counter()
    forecaster = Forecaster.from_weights("rnn-m3-monthly")
    network = forecaster.networks_["rnn"].network.to(device)
    load_s = time.perf_counter() - start
    history, test = m3_panel("monthly", "train"), m3_panel("monthly", "test")
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        frame = forecaster.predict(history)
        seconds.append(time.perf_counter() - start)
    horizon = forecaster.h
    if list(frame["unique_id"].iloc[::horizon]) != [str(i) for i in history.ids]:
        raise SystemExit("the forecast frame's series are not in the panel's order")
    forecasts = torch.tensor(frame["rnn"].to_numpy(), dtype=torch.float32)
    scale = seasonal_naive_scale(history.values, history.indptr, forecaster.season_length_)
    truth = test.values.view(len(test), horizon)
    figures = panel_means(forecasts.view(len(history), horizon), truth, scale)
    weights = get_weights("rnn.m3-monthly")
    result = {
        "device": next(network.parameters()).device.type,
        "series": len(history),
        "load_s": round(load_s, 2),
        "first_s": round(seconds[0], 2),
        "again_s": round(seconds[1], 2),
    }
    ok = result["device"] == torch.device(device).type
    for name in ("smape", "mase"):
        value, card = float(figures[name]), weights.meta["metrics"][f"test/{name}"]
        result[name], result[f"card_{name}"] = round(value, 4), round(card, 4)
        ok = ok and abs(value - card) <= weights.tolerance[f"test/{name}"]
    return result | {"ok": ok}


def junit_counts(path: Path) -> dict:
    """From pytest's JUnit XML: passed (a count), failures (failed or errors: names),
    skipped (names and reasons), and the test modules that could not be imported."""
    counts = {"passed": 0, "failures": [], "skipped": [], "not_imported": []}
    if not path.is_file():
        return counts | {"failures": ["no test report (pytest did not finish)"]}
    for case in ElementTree.parse(path).iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        outcomes = {child.tag: child for child in case}
        error = outcomes.get("error")
        if error is not None and error.get("message") == "collection failure":
            module = filter(None, (case.get("classname"), case.get("name")))
            counts["not_imported"].append(".".join(module))
        elif "failure" in outcomes or error is not None:
            counts["failures"].append(name)
        elif "skipped" in outcomes:
            counts["skipped"].append(f"{name}: {outcomes['skipped'].get('message', '')}")
        else:
            counts["passed"] += 1
    return counts


def run_precision(config: Path) -> str | None:
    """The precision a run trained in, as its config.yaml records it ("auto" resolved)."""
    import yaml

    return yaml.safe_load(config.read_text())["trainer"]["precision"] if config.is_file() else None


def last_lines(output: str, count: int = 6, width: int = 600) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])[-width:]


def summary(result: dict) -> str:
    """One readable line of a part's figures (lists by their length), and its error."""
    shown = {
        k: len(v) if isinstance(v, list) else v
        for k, v in result.items()
        if k not in ("ok", "error", "command", "why")
    }
    figures = ", ".join(f"{k} {v}" for k, v in shown.items())
    error = f"\n  {result['error']}" if result.get("error") else ""
    return ("ok: " if result["ok"] else "FAILED: ") + figures + error


if __name__ == "__main__":
    main()
