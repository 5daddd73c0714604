"""PyTorch regression trainer for bench/regression.mjs (CPU, one process per data set; the seeds
run one after another, each a fresh model).

    bench/.venv/bin/python bench/trainers/torch_regression.py --data bench/.cache/regression-cars.bin --epochs 200 --seeds 1,2,3 --threads 1

Reads the split bench/regression.mjs exported (bench/regression-data.mjs: tunenet's split and
Normalizer, y in its own units) and trains tunenet's network: Linear(He-normal weights via
kaiming_normal_, zero bias, as tunenet's `he`) → ReLU → … → Linear(1), F.mse_loss, Adam(lr,
fused=True: PyTorch's fastest CPU update here, ahead of foreach and the for-loop one; no
torch.compile), batch 32, a fresh torch.randperm every epoch, batches by index from one
in-memory tensor (no DataLoader), fixed epochs, nothing else in the loop.
Threads: torch.set_num_threads(T) (and OMP_NUM_THREADS / MKL_NUM_THREADS = T from the caller).
Prints one JSON line per seed {"seed": {...}} and, last, {"result": {...}}.
"""

import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HEADER = 32
MAGIC = b"TNREGR01"


def arg(name, default):
    if f"--{name}" in sys.argv:
        return sys.argv[sys.argv.index(f"--{name}") + 1]
    return default


DATA = arg("data", None)
EPOCHS = int(arg("epochs", "100"))
SEEDS = [int(s) for s in arg("seeds", "1,2,3").split(",")]
THREADS = int(arg("threads", "1"))
BATCH = int(arg("batch-size", "32"))
LR = float(arg("learning-rate", "3e-3"))
HIDDEN = [int(h) for h in arg("hidden", "32,16").split(",")]


def read_split(path):
    raw = np.fromfile(path, dtype=np.uint8)
    assert raw[:8].tobytes() == MAGIC, f"{path}: not a tunenet regression split"
    train, test, features = (int(v) for v in raw[8:20].view("<u4"))
    off = HEADER

    def take(count):
        nonlocal off
        a = raw[off : off + count * 4].view("<f4")
        off += count * 4
        return a

    train_x = take(train * features).reshape(train, features)
    test_x = take(test * features).reshape(test, features)
    train_y = take(train)
    test_y = take(test)
    return train_x, test_x, train_y, test_y


def linear(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # N(0, 2/n_in), tunenet's 'he'
    nn.init.zeros_(layer.bias)
    return layer


def main():
    torch.set_num_threads(THREADS)
    train_x, test_x, train_y, test_y = read_split(DATA)
    x = torch.from_numpy(train_x.copy())
    y = torch.from_numpy(train_y.copy()).unsqueeze(1)
    tx = torch.from_numpy(test_x.copy())
    ty = torch.from_numpy(test_y.copy()).unsqueeze(1)
    n, features = x.shape
    seeds = []
    adam_impl = None
    for seed in SEEDS:
        torch.manual_seed(seed)
        layers, width = [], features
        for units in HIDDEN:
            layers += [linear(width, units), nn.ReLU()]
            width = units
        model = nn.Sequential(*layers, linear(width, 1))
        try:
            opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
            adam_impl = "fused"
        except (RuntimeError, TypeError, ValueError):
            opt = torch.optim.Adam(model.parameters(), lr=LR)
            adam_impl = "default"
        seconds = []
        for _ in range(EPOCHS):
            model.train()
            t0 = time.perf_counter()
            perm = torch.randperm(n)
            for i in range(0, n, BATCH):
                idx = perm[i : i + BATCH]
                opt.zero_grad(set_to_none=True)
                loss = F.mse_loss(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
            seconds.append(time.perf_counter() - t0)
        model.eval()
        with torch.no_grad():
            # The training loss is not summed during the epochs (that costs PyTorch ~3 % here):
            # the train MSE of the final weights instead.
            train_mse = float((model(x) - y).pow(2).mean())
            err = model(tx) - ty
            rmse = float(err.pow(2).mean().sqrt())
            mae = float(err.abs().mean())
            r2 = float(1 - err.pow(2).sum() / (ty - ty.mean()).pow(2).sum())
        rates = [n / s for s in seconds]
        s = dict(
            seed=seed,
            samplesPerSecond=float(np.median(rates[1:] if len(rates) > 1 else rates)),
            trainMseEnd=train_mse,
            testRmse=rmse,
            testMae=mae,
            testR2=r2,
        )
        print(json.dumps({"seed": s}), flush=True)
        seeds.append(dict(s, epochSeconds=seconds))
    result = dict(
        framework="pytorch",
        version=torch.__version__,
        adam=adam_impl,
        cpuCapability=torch.backends.cpu.get_cpu_capability(),
        threads=THREADS,
        epochs=EPOCHS,
        samples=n,
        seeds=seeds,
    )
    print(json.dumps({"result": result}), flush=True)


if __name__ == "__main__":
    main()
