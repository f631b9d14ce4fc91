"""Several single-layer GRUs over the same windows in one pass, with a hand-written backward.

An ensemble of M GRUs read the same (B, L, I) window. `nn.GRU` runs them one after
another, and on a CPU each step of each network is a dozen small operations whose autograd
graph costs more than their arithmetic. Here the M networks step together, one batched
matrix product per step for all of them (torch.baddbmm over the members), and the backward
pass is written out: each step's gradient takes a few fused operations into preallocated
buffers, and the recurrent weights' gradients are one product over every step at the end.
On a 2-core Xeon in float32 the three GRUs of the earlier M3 recipe (72-value windows,
batches of 256) train 1.5x faster (hidden 128; 1.9x at hidden 64; benchmarks/rnn_step.py)
and that recipe's whole training step 1.9-2.0x (0.451 s -> 0.226-0.238 s, Lightning's
profiler): the step is bound by memory traffic, and fewer, larger operations in reused
buffers move less.

The arithmetic is PyTorch's GRU (gates r, z, n in that order):

    r = sigmoid(x W_ir + b_ir + h W_hr + b_hr)
    z = sigmoid(x W_iz + b_iz + h W_hz + b_hz)
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn))
    h' = (1 - z) * n + z * h  =  lerp(n, h, z)

and the outputs and gradients match `nn.GRU`'s to float32 rounding
(tests/models/test_ensemble_gru.py). It serves float32 training on the CPU only: on a GPU
cuDNN's fused GRU is faster, and under autocast, in evaluation and export the members' own
`nn.GRU` run (`applies`).
"""

import threading

import torch
from torch import nn


def applies(grus: list[nn.Module], features: torch.Tensor) -> bool:
    """Whether `ensemble_gru` serves these networks for this input: single-layer,
    unidirectional GRUs training in float32 on the CPU, the input needing no gradient."""
    return (
        torch.is_grad_enabled()
        and features.device.type == "cpu"
        and features.dtype == torch.float32
        and not features.requires_grad
        and not torch.is_autocast_enabled("cpu")
        and all(
            isinstance(g, nn.GRU)
            and g.num_layers == 1
            and not g.bidirectional
            and g.bias
            and g.weight_hh_l0.dtype == torch.float32
            for g in grus
        )
    )


_buffers = threading.local()


def workspace(name: str, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """A buffer of `shape` kept for the next call (per thread): the forward's input
    projections and the backward's gate gradients, each written in full and used up within
    one call, so nothing saved for a backward pass is ever reused. Fresh buffers this large
    (85 MB each for the earlier M3 recipe's 72-value windows) cost page faults every step:
    reusing them made the members' training step 16% faster (229 against 273 ms,
    interleaved runs on a 2-core Xeon)."""
    held = getattr(_buffers, "held", None)
    if held is None:
        held = _buffers.held = {}
    buffer = held.get(name)
    if buffer is None or buffer.shape != shape or buffer.dtype != like.dtype:
        buffer = held[name] = like.new_empty(shape)
    return buffer


def ensemble_gru(features: torch.Tensor, grus: list[nn.GRU], outputs: int = 1) -> torch.Tensor:
    """(B, L, I) windows, batch first -> (M, outputs, B, H): the last `outputs` hidden states
    of each of the M GRUs (zero initial state), as
    `torch.stack([g(features)[0][:, -outputs:].transpose(0, 1) for g in grus])`."""
    w_ih = torch.stack([g.weight_ih_l0.T for g in grus])  # (M, I, 3H)
    b_ih = torch.stack([g.bias_ih_l0 for g in grus]).unsqueeze(1)  # (M, 1, 3H)
    w_hh = torch.stack([g.weight_hh_l0.T for g in grus])  # (M, H, 3H)
    b_hh = torch.stack([g.bias_hh_l0 for g in grus]).unsqueeze(1)
    steps = features.transpose(0, 1).contiguous()  # (L, B, I)
    return EnsembleGRUFunction.apply(steps, w_ih, b_ih, w_hh, b_hh, outputs)


class EnsembleGRUFunction(torch.autograd.Function):
    """(L, B, I) inputs, time first; (M, I, 3H), (M, 1, 3H), (M, H, 3H), (M, 1, 3H)
    weights and biases -> (M, outputs, B, H): the hidden states after the last `outputs`
    steps (a forecast origin each, for forking sequences). No gradient for the inputs."""

    @staticmethod
    def forward(ctx, steps, w_ih, b_ih, w_hh, b_hh, outputs):
        length, batch, inputs = steps.shape
        members, hidden = w_hh.shape[:2]
        # a column of ones carries the input bias, so its gradient comes with the weights'
        ones = steps.new_ones(length, batch, 1)
        steps1 = torch.cat([steps, ones], -1).view(1, length * batch, inputs + 1)
        gi = workspace("inputs", (members, length * batch, 3 * hidden), steps)
        torch.bmm(steps1.expand(members, -1, -1), torch.cat([w_ih, b_ih], 1), out=gi)
        gi = gi.view(members, length, batch, 3 * hidden)  # every step's input part at once
        hs = steps.new_empty(members, length + 1, batch, hidden)  # hs[:, t]: state before t
        hs[:, 0] = 0  # the initial state; the loop writes every later one
        rz_all = steps.new_empty(members, length, batch, 2 * hidden)
        recurrent, candidates = [], []  # h W_hh + b_hh and n of each step
        h, rz_end = hs[:, 0], 2 * hidden
        for t in range(length):
            gh = torch.baddbmm(b_hh, h, w_hh)
            rz = rz_all[:, t]
            torch.add(gi[:, t, :, :rz_end], gh[..., :rz_end], out=rz).sigmoid_()
            n = torch.addcmul(gi[:, t, :, rz_end:], rz[..., :hidden], gh[..., rz_end:]).tanh_()
            torch.lerp(n, h, rz[..., hidden:], out=hs[:, t + 1])
            h = hs[:, t + 1]
            recurrent.append(gh)
            candidates.append(n)
        ctx.steps = (recurrent, candidates)
        ctx.save_for_backward(steps1, w_hh, hs, rz_all)
        return hs[:, length + 1 - outputs :].clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_outputs):
        steps1, w_hh, hs, rz_all = ctx.saved_tensors
        recurrent, candidates = ctx.steps
        del ctx.steps  # free the step tensors now, not when the graph goes
        members, length1, batch, hidden = hs.shape
        length, inputs1 = length1 - 1, steps1.shape[-1]
        w_hh_t = w_hh.transpose(1, 2)
        # gradients of every step's gate pre-activations, [r, z, n] (n: of h W_hn + b_hn)
        gates = workspace("gates", (members, length, batch, 3 * hidden), hs)
        grad_w_ih = hs.new_zeros(members, inputs1, 3 * hidden)
        steps1_t = steps1.view(length, batch, inputs1).transpose(1, 2)  # (L, I + 1, B)
        outputs = grad_outputs.shape[1]
        first_output = length + 1 - outputs  # hs[:, first_output + k] is output k
        dh = grad_outputs[:, -1].contiguous()
        for t in range(length - 1, -1, -1):
            rz, n, h_before = rz_all[:, t], candidates[t], hs[:, t]
            gh_n = recurrent[t][..., 2 * hidden :]
            r, z = rz[..., :hidden], rz[..., hidden:]
            g = gates[:, t]
            dh_z = dh * z  # through the kept state
            dn = g[..., 2 * hidden :]
            torch.mul(dh - dh_z, 1 - n * n, out=dn)  # d(tanh pre-activation)
            torch.mul(dn, gh_n, out=g[..., :hidden])  # dr
            torch.mul(dh, h_before - n, out=g[..., hidden : 2 * hidden])  # dz
            g[..., : 2 * hidden] *= rz * (1 - rz)  # through the sigmoids
            grad_w_ih.baddbmm_(steps1_t[t].expand(members, -1, -1), g)  # input side: dn
            dn *= r  # recurrent side: r * dn
            dh = torch.baddbmm(dh_z, g, w_hh_t)  # the gradient of hs[:, t]
            if t >= first_output:  # hs[:, t] is an output too: its own gradient joins
                dh += grad_outputs[:, t - first_output]
        flat = gates.view(members, length * batch, 3 * hidden)
        before = hs[:, :length].reshape(members, length * batch, hidden)
        grad_w_hh = torch.bmm(before.transpose(1, 2), flat)
        grad_b_hh = torch.bmm(flat.new_ones(members, 1, length * batch), flat)
        inputs = inputs1 - 1
        return None, grad_w_ih[:, :inputs], grad_w_ih[:, inputs:], grad_w_hh, grad_b_hh, None
