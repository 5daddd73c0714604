"""Applies PyTorch's formulas, in PyTorch's layout, to a file written by tunenet's exportTorch,
without torch: safetensors + numpy only (torch's wheel is too large for CI; bench/torch-export-check.mjs
runs the real thing).

    python torch_layout_check.py weights.safetensors case.json

case.json: {"modules": [{"type": "Linear", "in": 5, "out": 7, "bias": true}, {"type": "ReLU"}, ...],
            "output": "softmax" | "sigmoid" | "linear", "x": [[...], ...]}
The module list is the test's own description of the nn.Sequential it expects. Prints JSON:
{"keys": {name: [dtype, shape]}, "outputs": [...], "normalizer": bool}. Each formula is the
one torch.nn documents for the module, in eval() mode, computed in float64.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

# torch.nn.SELU's constants.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

erf = np.vectorize(math.erf)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def linear(x, m, s, i):
    y = x @ s[f'{i}.weight'].astype(np.float64).T  # weight is [out, in]
    return y + s[f'{i}.bias'] if m['bias'] else y


def batch_norm(x, m, s, i):
    # BatchNorm1d in eval(): running statistics, weight = γ, bias = β.
    mean, var = s[f'{i}.running_mean'], s[f'{i}.running_var']
    return (x - mean) / np.sqrt(var.astype(np.float64) + m['eps']) * s[f'{i}.weight'] + s[f'{i}.bias']


FORWARD = {
    'Linear': linear,
    'BatchNorm1d': batch_norm,
    'Identity': lambda x, m, s, i: x,
    'Dropout': lambda x, m, s, i: x,  # eval()
    'ReLU': lambda x, m, s, i: np.maximum(x, 0),
    'LeakyReLU': lambda x, m, s, i: np.where(x >= 0, x, m['negative_slope'] * x),
    'Tanh': lambda x, m, s, i: np.tanh(x),
    'Sigmoid': lambda x, m, s, i: sigmoid(x),
    # beta = 1, threshold = 20: linear above the threshold.
    'Softplus': lambda x, m, s, i: np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20)))),
    'SiLU': lambda x, m, s, i: x * sigmoid(x),
    'SELU': lambda x, m, s, i: SELU_SCALE * (np.maximum(x, 0) + np.minimum(0, SELU_ALPHA * np.expm1(np.minimum(x, 0)))),
    'ELU': lambda x, m, s, i: np.maximum(x, 0) + np.minimum(0, m['alpha'] * np.expm1(np.minimum(x, 0))),
    # approximate='none': the exact erf form.
    'GELU': lambda x, m, s, i: x * 0.5 * (1 + erf(x / math.sqrt(2))),
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


OUTPUT = {'softmax': softmax, 'sigmoid': sigmoid, 'linear': lambda z: z}


def main():
    weights, case_file = sys.argv[1], sys.argv[2]
    with open(case_file) as f:
        case = json.load(f)
    state = load_file(weights)
    with safe_open(weights, 'np') as f:
        metadata = f.metadata() or {}
    x = np.array(case['x'], dtype=np.float64)
    if 'normalizer' in metadata:
        # tunenet's normalizer, as the generated snippet applies it: float64, σ = 0 → 1, then float32.
        stats = json.loads(metadata['normalizer'])
        std = np.array(stats['std'])
        x = ((x - np.array(stats['mean'])) / np.where(std > 0, std, 1)).astype(np.float32).astype(np.float64)
    for i, module in enumerate(case['modules']):
        x = FORWARD[module['type']](x, module, state, i)
    print(json.dumps({
        'keys': {name: [str(t.dtype), list(t.shape)] for name, t in state.items()},
        'outputs': OUTPUT[case['output']](x).ravel().tolist(),
        'normalizer': 'normalizer' in metadata,
    }))


if __name__ == '__main__':
    main()
