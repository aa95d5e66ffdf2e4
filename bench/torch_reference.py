"""PyTorch reference for bench/speed.ts and bench/gpu.ts: the same models, batch size, optimizer
and number of steps as the TensorFlow.js sweep, on one CPU thread, on PyTorch's default threads,
or on a CUDA GPU; and the matrix-multiply rate.

Run with Debian's PyTorch: /usr/bin/python3 bench/torch_reference.py --model mlp --steps 100
(--threads default: PyTorch's own thread count; --device cuda: the GPU).
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


def set_threads(threads):
    """One thread (or N), or PyTorch's default when `threads` is "default"."""
    if threads == "default":
        return
    torch.set_num_threads(int(threads))
    try:
        torch.set_num_interop_threads(int(threads))
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


def blas_threads():
    """Threads of the OpenBLAS this process loaded (its own pool, apart from PyTorch's)."""
    import ctypes
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(p for p in paths if p.startswith("/")):
            library = ctypes.CDLL(path)
            if hasattr(library, "openblas_get_num_threads"):
                return library.openblas_get_num_threads()
    except OSError:
        pass
    return None


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
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
        )
    # bench/gpu.ts's larger convolutional model: same padding, 4 convolutions, 2 poolings.
    return nn.Sequential(
        nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 10),
    )


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_steps(name, batch, steps, warmup, data, device="cpu"):
    """ms per training step (gather a batch, scale it, forward, backward, Adam, read the loss):
    the mean over the timed steps, as the sweep reports its own, the median, and the main
    thread's on-CPU time per step (all the work on one thread); and the time of the untimed
    warm-up steps (CUDA kernels load then)."""
    x, y, _ = data
    x, y = x.to(device), y.to(device)
    torch.manual_seed(0)
    model = make_model(name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(x.shape[0], device=device)
    times = []
    sync(device)
    begun = time.perf_counter()
    for step in range(warmup + steps):
        if step == warmup:
            warmup_ms = (time.perf_counter() - begun) * 1000
            timed = time.perf_counter()
            timed_cpu = time.thread_time()
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
    mean = (time.perf_counter() - timed) * 1000 / steps
    cpu = (time.thread_time() - timed_cpu) * 1000 / steps
    return {
        "msPerStep": mean,
        "medianMsPerStep": statistics.median(times),
        "cpuMsPerStep": cpu,
        "warmupMs": warmup_ms,
    }


def gemm_rate(m, k, n, reps, device="cpu"):
    """float32 matrix-multiply rate (GFLOP/s) of an m x k by k x n product, best of `reps`."""
    a = torch.rand(m, k, device=device)
    b = torch.rand(k, n, device=device)
    out = torch.empty(m, n, device=device)
    for _ in range(3):
        torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(reps):
        sync(device)
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * m * k * n / best / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn", "convnet"], default="mlp")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", default="1", help='a number, or "default" (PyTorch\'s own)')
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--gemm", action="store_true", help="measure the matmul rate instead")
    args = parser.parse_args()
    set_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("PyTorch here has no CUDA device")
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "blasInfo": blas_info(),
    }
    if args.gemm:
        shapes = [(64, 784, 128), (7744, 144, 32), (512, 512, 512)]
        result["gflops"] = {
            f"{m}x{k}x{n}": gemm_rate(m, k, n, 200 if m * k * n < 1e7 else 20, args.device)
            for m, k, n in shapes
        }
    else:
        data = images(max(4096, args.batch * 2))
        result["model"] = args.model
        result["data"] = data[2]
        result.update(time_steps(args.model, args.batch, args.steps, args.warmup, data, args.device))
    result["blas"] = blas_library()
    result["blasThreads"] = blas_threads()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
