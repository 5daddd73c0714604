"""numpy / OpenBLAS f32 GEMM throughput, the reference side of bench/gemm.mjs.

    bench/.venv/bin/python bench/gemm_numpy.py [--quick] [--json]

Same shapes and method as crates/core/examples/gemm_gflops.rs: square n = 64 ... 2048 and the
MLP products, on 1 and 2 threads (threadpoolctl). Transposed operands are .T views, as numpy code
would write them (numpy hands them to sgemm as a transpose flag, no copy). Each point: one
warm-up call and a spot check, then batches (each >= ~25 ms) until >= 0.3 s (0.1 s with --quick)
and >= 3 batches; the figure is the best batch rate (least disturbed by other processes on a
shared machine; the median is reported too), GFLOP/s = 2mnk / t.

--json prints one object per line: first {"info": {...}} with the BLAS library threadpoolctl
found (internal_api, architecture = the OpenBLAS core/kernel type actually selected, version,
...) and the OPENBLAS_* variables this process saw, then one {"name", "m", "n", "k", "threads",
"impl": "numpy-openblas", "gflops", "median_gflops"} per point.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: some machines set them to protect old OpenBLAS builds;
they force a slower kernel on current numpy. bench/gemm.mjs starts this script with both unset
(env -u); when run by hand, unset them yourself. The info line says whether they were set.
"""

import json
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

QUICK = "--quick" in sys.argv
JSON = "--json" in sys.argv
MIN_TOTAL = 0.1 if QUICK else 0.3


def cases():
    squares = [64, 256, 1024] if QUICK else [64, 128, 256, 512, 1024, 2048]
    out = [dict(name=f"square {n}", m=n, n=n, k=n, trans_a=False, trans_b=False) for n in squares]
    out += [
        dict(name="mlp fwd X·W", m=128, n=256, k=784, trans_a=False, trans_b=False),
        dict(name="mlp dW=Xt·dZ", m=784, n=256, k=128, trans_a=True, trans_b=False),
        dict(name="mlp dX=dZ·Wt", m=128, n=784, k=256, trans_a=False, trans_b=True),
        dict(name="mlp hidden", m=128, n=128, k=256, trans_a=False, trans_b=False),
        dict(name="mlp out", m=128, n=10, k=128, trans_a=False, trans_b=False),
    ]
    return out


def operands(c, rng):
    m, n, k = c["m"], c["n"], c["k"]
    # Storage as in tunenet: A is [m, k] or [k, m] when trans_a; B is [k, n] or [n, k] when trans_b.
    a = rng.uniform(-1, 1, size=(k, m) if c["trans_a"] else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, size=(n, k) if c["trans_b"] else (k, n)).astype(np.float32)
    a_op = a.T if c["trans_a"] else a
    b_op = b.T if c["trans_b"] else b
    return a_op, b_op, np.zeros((m, n), dtype=np.float32)


def measure(c, rng):
    a, b, out = operands(c, rng)
    flops = 2.0 * c["m"] * c["n"] * c["k"]
    np.matmul(a, b, out=out)  # warm-up
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert np.allclose(out, ref, atol=1e-5 * (c["k"] + 1)), c["name"]
    t0 = time.perf_counter()
    np.matmul(a, b, out=out)
    one = max(time.perf_counter() - t0, 1e-7)
    reps = max(1, int(np.ceil(0.025 / one)))
    rates = []
    start = time.perf_counter()
    while len(rates) < 3 or time.perf_counter() - start < MIN_TOTAL:
        t = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        rates.append(flops * reps / (time.perf_counter() - t) / 1e9)
    rates.sort()
    return float(np.median(rates)), rates[-1]


def main():
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    info = {
        "numpy": np.__version__,
        "blas": [
            {key: i.get(key) for key in ("internal_api", "architecture", "version", "threading_layer", "num_threads", "filepath")}
            for i in blas
        ],
        "env": {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")},
    }
    if JSON:
        print(json.dumps({"info": info}), flush=True)
    else:
        print(f"numpy {info['numpy']}; BLAS: {info['blas']}; env: {info['env']}", flush=True)
    if any(info["env"][v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
        print("gemm_numpy: warning: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; OpenBLAS may run a slower kernel", file=sys.stderr)

    rng = np.random.default_rng(20240601)
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            for c in cases():
                median, best = measure(c, rng)
                if JSON:
                    row = dict(c, threads=threads, impl="numpy-openblas", gflops=round(best, 2), median_gflops=round(median, 2))
                    print(json.dumps(row, ensure_ascii=False), flush=True)
                else:
                    t = ("Aᵀ" if c["trans_a"] else "  ") + ("Bᵀ" if c["trans_b"] else "  ")
                    print(
                        f"{c['name']:<14} m={c['m']:<5} n={c['n']:<5} k={c['k']:<5} {t} threads={threads} "
                        f"numpy-openblas  {best:8.1f} GFLOP/s (median {median:.1f})",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
