"""Export a checkpoint's network to TorchScript (.pt) and ONNX (.onnx), preprocessing included:

    python scripts/export.py CHECKPOINT --out exported/cnn [--format torchscript onnx]

Checks each export against PyTorch's own output and prints the largest difference.
Existing files are never overwritten.
"""

import argparse
import sys
from importlib.util import find_spec
from pathlib import Path

import torch

import zoo
from zoo.commands.cli import one_line_errors
from zoo.commands.outputs import check_outputs, prog, write_outputs
from zoo.runs.export import ExportedNetwork, example_input, export_onnx, export_torchscript


@one_line_errors()
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=prog("export"), description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="path stem: OUT.pt, OUT.onnx")
    parser.add_argument(
        "--format", nargs="+", choices=["torchscript", "onnx"], default=["torchscript", "onnx"]
    )
    args = parser.parse_args(argv)
    targets = {
        f: args.out.with_suffix(".pt" if f == "torchscript" else ".onnx") for f in args.format
    }
    missing = [m for m in ("onnx", "onnxscript", "onnxruntime") if find_spec(m) is None]
    if "onnx" in targets and missing:
        sys.exit(
            f"error: ONNX export needs {', '.join(missing)}: pip install 'zoo-classic-nets[export]'"
        )
    check_outputs(*targets.values())
    task = zoo.load_task(args.checkpoint)
    x = example_input(task, batch=5)
    with torch.no_grad():
        expected = ExportedNetwork(task).eval()(x)
    writers = {
        "torchscript": lambda path: export_torchscript(task, path),
        "onnx": lambda path: export_onnx(task, path),
    }
    write_outputs({path: writers[kind] for kind, path in targets.items()})  # both or neither
    if "torchscript" in targets:
        scripted = torch.jit.load(targets["torchscript"])
        difference = (scripted(x) - expected).abs().max().item()
        print(f"wrote {targets['torchscript']} (max |difference| {difference:.2e})")
    if "onnx" in targets:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(targets["onnx"]))
        (output,) = session.run(None, {"input": x.numpy()})
        difference = abs(output - expected.numpy()).max()
        print(f"wrote {targets['onnx']} (max |difference| {difference:.2e})")
