"""zoo.models.ensemble_gru: the batched CPU kernel against the nn.GRU it replaces."""

import torch


def test_ensemble_gru_matches_nn_gru_outputs_and_gradients():
    """The batched CPU kernel against the reference it replaces in training: each member's
    nn.GRU run alone. Outputs and every parameter's gradient agree to 1e-4 (float32)."""
    from zoo.models.ensemble_gru import applies, ensemble_gru

    torch.manual_seed(0)
    grus = [torch.nn.GRU(2, 16, batch_first=True) for _ in range(3)]
    features = torch.randn(5, 9, 2)
    target = torch.randn(3, 5, 16)
    assert applies(grus, features)

    def loss_and_grads(outputs):
        for g in grus:
            g.zero_grad()
        ((outputs - target) ** 2).sum().backward()
        return [p.grad.clone() for g in grus for p in g.parameters()]

    reference = torch.stack([g(features)[0][:, -1] for g in grus])
    reference_grads = loss_and_grads(reference)
    fused = ensemble_gru(features, grus)[:, 0]
    fused_grads = loss_and_grads(fused)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    assert reference.abs().max() > 0.1  # outputs that say something
    for got, want in zip(fused_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
        assert want.abs().max() > 1e-3
    # forking sequences: the states after the last 4 steps, each with its own gradient
    target = torch.randn(3, 4, 5, 16)
    reference = torch.stack([g(features)[0][:, -4:].transpose(0, 1) for g in grus])
    reference_grads = loss_and_grads(reference)
    fused = ensemble_gru(features, grus, outputs=4)
    fused_grads = loss_and_grads(fused)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    for got, want in zip(fused_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
        assert want.abs().max() > 1e-3
    target = torch.randn(3, 5, 16)
    # two graphs alive at once (the kernel reuses buffers between calls): still exact
    other = torch.randn(5, 9, 2)
    reference = torch.stack([g(features)[0][:, -1] for g in grus]) + torch.stack(
        [g(other)[0][:, -1] for g in grus]
    )
    reference_grads = loss_and_grads(reference)
    fused = ensemble_gru(features, grus)[:, 0] + ensemble_gru(other, grus)[:, 0]
    fused_grads = loss_and_grads(fused)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    for got, want in zip(fused_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
    with torch.no_grad():  # evaluation, export, autocast and other cells: nn.GRU itself
        assert not applies(grus, features)
    assert not applies([torch.nn.GRU(2, 16, num_layers=2)], features)
    assert not applies([torch.nn.LSTM(2, 16)], features)
