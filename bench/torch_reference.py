"""PyTorch reference for bench/speed.ts: the same models, batch size, optimizer and number of
steps as the TensorFlow.js sweep, on one CPU thread; and the single-core matrix-multiply rate.

Run with Debian's PyTorch: /usr/bin/python3 bench/torch_reference.py --model mlp --steps 100
Prints one JSON line. Benchmark only: never a dependency of the product.
"""

import argparse
import gzip
import json
import os
import re
import statistics
import time

import numpy as np
import torch

FASHION = "/usr/share/datasets/fashion-mnist"


def threads_one():
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def blas_library():
    """The BLAS shared object this process loaded (Debian's alternatives pick it)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
        paths = sorted(p for p in paths if p.startswith("/"))
        return ", ".join(os.path.realpath(p) for p in paths) or "none loaded"
    except OSError:
        return "unknown"


def blas_info():
    config = torch.__config__.show()
    match = re.search(r"BLAS_INFO=([^,\s]+)", config)
    return match.group(1) if match else "unknown"


def images(size):
    """Fashion-MNIST uint8 images (first `size`) when installed, else seeded random ones."""
    path = os.path.join(FASHION, "train-images-idx3-ubyte.gz")
    labels_path = os.path.join(FASHION, "train-labels-idx1-ubyte.gz")
    if os.path.exists(path) and os.path.exists(labels_path):
        with gzip.open(path) as f:
            x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)[:size]
        with gzip.open(labels_path) as f:
            y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:size]
        return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64)), "fashion-mnist"
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, size=(size, 28, 28), dtype=np.uint8)
    y = np.arange(size) % 10
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)), "synthetic"


def make_model(name):
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
    )


def time_steps(name, batch, steps, warmup, data):
    """Median ms per training step: gather a batch, scale it, forward, backward, Adam, read loss."""
    x, y, _ = data
    torch.manual_seed(0)
    model = make_model(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(x.shape[0])
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        index = order[(step * batch) % (x.shape[0] - batch):][:batch]
        xb = x[index].unsqueeze(1).float().mul_(1 / 255)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), y[index])
        loss.backward()
        optimizer.step()
        loss.item()
        if step >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def gemm_rate(m, k, n, reps):
    """Single-thread float32 matrix-multiply rate (GFLOP/s) of an m x k by k x n product."""
    a = torch.rand(m, k)
    b = torch.rand(k, n)
    out = torch.empty(m, n)
    for _ in range(3):
        torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * m * k * n / best / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--gemm", action="store_true", help="measure the matmul rate instead")
    args = parser.parse_args()
    threads_one()
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blasInfo": blas_info(),
        "blas": blas_library(),
    }
    if args.gemm:
        result["gflops"] = {
            "64x784x128": gemm_rate(64, 784, 128, 200),
            "512x512x512": gemm_rate(512, 512, 512, 20),
        }
    else:
        data = images(max(4096, args.batch * 2))
        result["model"] = args.model
        result["data"] = data[2]
        result["msPerStep"] = time_steps(args.model, args.batch, args.steps, args.warmup, data)
    result["blas"] = blas_library()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
