"""Runs: training (`train(cfg)`), evaluating a checkpoint on its run's test set, tuning with
Optuna, exporting to TorchScript and ONNX, and reading checkpoints safely. `checkpoints`
needs torch alone; the others bring Lightning."""
