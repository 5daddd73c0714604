"""Python trainer for bench/run.mjs: PyTorch on CPU (or JAX / Keras when torch is not installed).

    bench/.venv/bin/python bench/trainers/torch_mnist.py --variant A|B --epochs 5 --threads 1

Reads the split bench/run.mjs exported (bench/.cache/mnist-split.bin, written with tunenet's
`split`), trains the MNIST network of issue 5 and prints one JSON line {"result": {...}} last.

PyTorch, written the way a PyTorch user would for this size: the whole training set as one
tensor in memory, a fresh torch.randperm every epoch, batches by index (no DataLoader: its worker
and collation overhead would only slow the peer down), nn.Sequential of Linear (He-normal
weights, zero bias, as tunenet's `he`) → [BatchNorm1d] → ReLU → [Dropout], F.cross_entropy on
the logits, torch.optim.Adam(lr=1e-3, fused=True: its fastest CPU update; no torch.compile).
Threads: torch.set_num_threads(T) (and OMP_NUM_THREADS /
MKL_NUM_THREADS = T set by run.mjs before Python starts).
Variant B: BatchNorm1d(eps=1e-3, momentum=0.1) is tunenet's batchNorm() (PyTorch's momentum
weights the new value: 0.1 here = tunenet's 0.9); Dropout(p=0.2) is keepProb 0.8; L2 1e-4 as
Adam's coupled weight_decay = λ/m on the weights only (tunenet adds λ/m·W to the gradient).
"""

import json
import os
import resource
import sys
import time

import numpy as np

HEADER = 32
MAGIC = b"TNMNIST1"


def arg(name, default):
    if f"--{name}" in sys.argv:
        return sys.argv[sys.argv.index(f"--{name}") + 1]
    return default


VARIANT = arg("variant", "A")
EPOCHS = int(arg("epochs", "5"))
THREADS = int(arg("threads", "1"))
SEED = int(arg("seed", "1"))
# --init torch: PyTorch's own defaults (nn.Linear's kaiming_uniform(a=√5) weights and uniform
# biases) instead of tunenet's bench init (He normal, zero biases), for the accuracy-at-equal-epochs
# comparison. Batch norm's momentum is 0.1 in both (tunenet's default 0.9 in Keras's convention).
INIT = arg("init", "tunenet")
DATA = arg("data", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "mnist-split.bin"))
BATCH = 128
LR = 1e-3
L2 = 1e-4
KEEP = 0.8


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def read_split(path):
    raw = np.fromfile(path, dtype=np.uint8)
    assert raw[:8].tobytes() == MAGIC, f"{path}: not a tunenet MNIST split"
    train, test, features, classes = (int(v) for v in raw[8:24].view("<u4"))
    off = HEADER
    train_x = raw[off : off + train * features * 4].view("<f4").reshape(train, features)
    off += train * features * 4
    test_x = raw[off : off + test * features * 4].view("<f4").reshape(test, features)
    off += test * features * 4
    train_y = raw[off : off + train]
    off += train
    test_y = raw[off : off + test]
    return train_x, train_y, test_x, test_y, classes


def median(xs):
    return float(np.median(xs)) if xs else None


def summarize(seconds, samples):
    rates = [samples / s for s in seconds]
    return dict(epochSeconds=seconds, samplesPerSecond=median(rates[1:] if len(rates) > 1 else rates))


def torch_run():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    rss_base = rss_mib()
    train_x, train_y, test_x, test_y, classes = read_split(DATA)
    x = torch.from_numpy(train_x)
    y = torch.from_numpy(train_y.astype(np.int64))
    tx = torch.from_numpy(test_x)
    rss_data = rss_mib()

    def linear(n_in, n_out, bias=True):
        layer = nn.Linear(n_in, n_out, bias=bias)
        if INIT == "torch":
            return layer
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # N(0, 2/n_in), tunenet's 'he'
        if bias:
            nn.init.zeros_(layer.bias)
        return layer

    layers, width = [], x.shape[1]
    for units in (256, 128):
        if VARIANT == "B":
            layers += [linear(width, units, bias=False), nn.BatchNorm1d(units, eps=1e-3, momentum=0.1), nn.ReLU(), nn.Dropout(1 - KEEP)]
        else:
            layers += [linear(width, units), nn.ReLU()]
        width = units
    out = linear(width, classes)
    model = nn.Sequential(*layers, out)
    if VARIANT == "B":
        weights = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() == 2]
        others = [p for n, p in model.named_parameters() if not (n.endswith("weight") and p.dim() == 2)]
        groups = [{"params": weights, "weight_decay": L2 / BATCH}, {"params": others, "weight_decay": 0.0}]
    else:
        groups = model.parameters()
    # The fused CPU Adam (torch >= 2.4) is PyTorch's fastest update; the default for-loop one is
    # a little slower on this network. Give the peer its best.
    try:
        opt = torch.optim.Adam(groups, lr=LR, fused=True)
        adam_impl = "fused"
    except (RuntimeError, TypeError, ValueError):
        groups = groups if isinstance(groups, list) else model.parameters()
        opt = torch.optim.Adam(groups, lr=LR)
        adam_impl = "default"

    n = x.shape[0]
    seconds = []
    for _ in range(EPOCHS):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        pred = model(tx).argmax(1).numpy()
    acc = float((pred == test_y).mean())
    info = dict(
        framework="pytorch",
        version=torch.__version__,
        blas=[line.strip() for line in torch.__config__.show().splitlines() if "Math Kernel" in line or "MKL-DNN" in line or "OpenBLAS" in line],
        cpuCapability=torch.backends.cpu.get_cpu_capability(),
        adam=adam_impl,
    )
    return info, seconds, acc, rss_base, rss_data, n


def jax_run():  # fallback when torch is not installed
    import jax
    import jax.numpy as jnp

    rss_base = rss_mib()
    train_x, train_y, test_x, test_y, classes = read_split(DATA)
    x = jnp.asarray(train_x)
    y = jax.nn.one_hot(jnp.asarray(train_y), classes)
    rss_data = rss_mib()
    if VARIANT != "A":
        raise SystemExit("jax fallback: only variant A")
    key = jax.random.PRNGKey(1)
    sizes = [x.shape[1], 256, 128, classes]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (a, b)) * np.sqrt(2 / a), jnp.zeros(b)))

    def forward(p, xb):
        h = xb
        for w, b in p[:-1]:
            h = jax.nn.relu(h @ w + b)
        return h @ p[-1][0] + p[-1][1]

    def loss_fn(p, xb, yb):
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(forward(p, xb)) * yb, axis=1))

    b1, b2, eps = 0.9, 0.999, 1e-8
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)

    @jax.jit
    def step(p, m, v, t, xb, yb):
        g = jax.grad(loss_fn)(p, xb, yb)
        m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        p = jax.tree_util.tree_map(lambda w, a, s: w - LR * (a / (1 - b1**t)) / (jnp.sqrt(s / (1 - b2**t)) + eps), p, m, v)
        return p, m, v

    n = x.shape[0]
    rng = np.random.default_rng(1)
    seconds, t = [], 0
    for _ in range(EPOCHS):
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            t += 1
            params, m, v = step(params, m, v, t, x[idx], y[idx])
        jax.block_until_ready(params)
        seconds.append(time.perf_counter() - t0)
    pred = np.asarray(forward(params, jnp.asarray(test_x)).argmax(1))
    return dict(framework="jax", version=jax.__version__), seconds, float((pred == test_y).mean()), rss_base, rss_data, n


def main():
    try:
        import torch  # noqa: F401

        runner = torch_run
    except ImportError:
        runner = jax_run
    info, seconds, acc, rss_base, rss_data, n = runner()
    result = dict(
        info,
        variant=VARIANT,
        threads=THREADS,
        epochs=EPOCHS,
        samples=n,
        **summarize(seconds, n),
        testAccuracy=acc,
        rss=dict(baseMiB=rss_base, afterDataMiB=rss_data, peakMiB=max_rss_mib()),
    )
    print(json.dumps({"result": result}), flush=True)


if __name__ == "__main__":
    main()
