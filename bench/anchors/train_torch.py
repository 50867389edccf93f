"""PyTorch anchor for `npm run bench:train`: the same models, batch, loss and optimizer.

Run by bench/train.ts with /usr/bin/python3 (Debian python3-torch 1.13) when it imports torch.
It serves timing requests so that bench/train.ts can alternate SER and PyTorch epochs under the
same machine load: one JSON request per line on stdin,
    {"model": "recipe-cnn-lstm" | "recipe-mlp" | "reference" | "mlp-baseline", "samples": N}
and one JSON line back per request,
    {"model": ..., "msPerSample": wall ms, "cpuMsPerSample": process CPU ms, "samples": N}
after a warm-up batch. One thread (torch.set_num_threads(1)), as SER's wasm backend uses.

The architectures mirror src/main/model/build.ts:
- recipe CNN-LSTM (MODEL_PRESETS.best): 128 x 187 input; conv 64 k5 (no bias) -> batch norm ->
  max-pool 2 -> relu -> dropout 0.2; conv 128 k3 (no bias) -> batch norm -> max-pool 4 -> relu ->
  dropout; LSTM 64 (last state) -> dropout -> dense 64 relu -> dropout -> dense 6.
- reference CNN-LSTM (MODEL_PRESETS.seed at 128 x 64): as above with biases, no batch norm, no
  dense layer, dropout 0.3.
- recipe MLP (RECIPE_MLP_MEMBER): 1122 pooled values -> dense 512 -> batch norm -> relu -> dropout
  0.5 -> dense 256 -> batch norm -> relu -> dropout -> dense 6.
- MLP baseline: 374 -> 256 -> 128, dropout 0.3.
Loss: cross-entropy of the softmax; Adam (lr 1e-3, PyTorch defaults otherwise: eps 1e-8).
"""

import json
import sys
import time

import torch
from torch import nn

BATCH = 32
CLASSES = 6


class CnnLstm(nn.Module):
    def __init__(self, width, filters, kernels, pools, units, dense, dropout, batch_norm):
        super().__init__()
        blocks = []
        channels = width
        for f, k, p in zip(filters, kernels, pools):
            blocks.append(nn.Conv1d(channels, f, k, padding="same", bias=not batch_norm))
            if batch_norm:
                blocks.append(nn.BatchNorm1d(f, momentum=0.01))
            blocks += [nn.MaxPool1d(p), nn.ReLU(), nn.Dropout(dropout)]
            channels = f
        self.conv = nn.Sequential(*blocks)
        self.lstm = nn.LSTM(channels, units, batch_first=True)
        head = [nn.Dropout(dropout)]
        if dense:
            head += [nn.Linear(units, dense), nn.ReLU(), nn.Dropout(dropout)]
        head.append(nn.Linear(dense or units, CLASSES))
        self.head = nn.Sequential(*head)

    def forward(self, x):  # x: [B, T, width]
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)
        _, (last, _) = self.lstm(h)
        return self.head(last[0])


def mlp(width, hidden, dropout, batch_norm):
    layers = []
    for units in hidden:
        layers.append(nn.Linear(width, units))
        if batch_norm:
            layers.append(nn.BatchNorm1d(units, momentum=0.01))
        layers += [nn.ReLU(), nn.Dropout(dropout)]
        width = units
    layers.append(nn.Linear(width, CLASSES))
    return nn.Sequential(*layers)


MODELS = {
    "recipe-cnn-lstm": (
        lambda: CnnLstm(187, [64, 128], [5, 3], [2, 4], 64, 64, 0.2, True),
        [128, 187],
    ),
    "reference": (lambda: CnnLstm(64, [64, 128], [5, 3], [2, 4], 64, 0, 0.3, False), [128, 64]),
    "recipe-mlp": (lambda: mlp(1122, [512, 256], 0.5, True), [1122]),
    "mlp-baseline": (lambda: mlp(374, [256, 128], 0.3, True), [374]),
}

_built = {}


def time_epoch(name, samples):
    if name not in _built:
        make, shape = MODELS[name]
        torch.manual_seed(1)
        model = make()
        model.train()
        pool = min(samples, 256)
        data = torch.rand([pool, *shape]) * 2 - 1
        labels = torch.arange(pool) % CLASSES
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        _built[name] = (model, opt, data, labels)
    model, opt, data, labels = _built[name]
    pool = data.shape[0]
    loss_fn = nn.CrossEntropyLoss()

    def step(n, offset):
        start = offset % pool
        rows = min(n, pool - start)
        opt.zero_grad()
        loss = loss_fn(model(data[start : start + rows]), labels[start : start + rows])
        loss.backward()
        opt.step()
        return loss.item()

    step(min(BATCH, samples), 0)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    while done < samples:
        step(min(BATCH, samples - done), done)
        done += BATCH
    return {
        "model": name,
        "samples": samples,
        "msPerSample": (time.perf_counter() - t0) * 1000 / samples,
        "cpuMsPerSample": (time.process_time() - c0) * 1000 / samples,
    }


def main():
    torch.set_num_threads(1)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            out = time_epoch(req["model"], int(req["samples"]))
        except Exception as err:  # reported to the caller, which prints it
            out = {"model": req.get("model"), "error": f"{type(err).__name__}: {err}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
