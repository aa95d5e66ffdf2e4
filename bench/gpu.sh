#!/usr/bin/env bash
# The GPU benchmark on a fresh Linux machine with an NVIDIA GPU, in at most about five minutes:
# sets up Deno and (if missing) the Vulkan loader, runs `deno task gpu-check`, then sweeps the
# tutorial MLP, the small CNN and a larger convolutional network on WebGPU and trains them with
# PyTorch CUDA when it is installed, and prints one table (shader warm-up in its own column).
#
#   bench/gpu.sh [--steps N] [--batch N] [--allow-software]
#
# --steps N          steps per sweep (default 200; the larger network runs half as many)
# --batch N          samples per step (default 64)
# --allow-software   go on when the only adapter is a software one (a smoke test, e.g. llvmpipe:
#                    bench/gpu.sh --steps 10 --batch 2 --allow-software)
# Environment: DENO (a deno binary to use), LR_FINDER_BENCH_PYTHON (the Python with CUDA
# PyTorch; default python3). The table goes to stdout, progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6
steps=200
batch=64
allow_software=""
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --allow-software) allow_software="--allow-software"; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
say() { echo "gpu.sh [$(( $(date +%s) - started ))s]: $*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# 1. Deno: the one given, the one on PATH if it is the right version, else install it.
deno_ok() { "$1" --version 2>/dev/null | head -1 | grep -q " ${DENO_VERSION} "; }
DENO="${DENO:-}"
if [ -z "$DENO" ] && command -v deno >/dev/null 2>&1 && deno_ok deno; then DENO=deno; fi
if [ -z "$DENO" ] && [ -x "$HOME/.deno/bin/deno" ] && deno_ok "$HOME/.deno/bin/deno"; then
  DENO="$HOME/.deno/bin/deno"
fi
if [ -z "$DENO" ]; then
  say "installing Deno ${DENO_VERSION}"
  if command -v npm >/dev/null 2>&1 && npm install -g "deno@${DENO_VERSION}" >/dev/null 2>&1; then
    DENO=deno
  elif command -v curl >/dev/null 2>&1; then
    curl -fsSL https://deno.land/install.sh | sh -s -- -y "v${DENO_VERSION}" >/dev/null
    DENO="$HOME/.deno/bin/deno"
  else
    echo "error: Deno ${DENO_VERSION} is missing and neither npm nor curl can install it;" \
      "install it (https://docs.deno.com) or set DENO to its path" >&2
    exit 1
  fi
fi
say "$("$DENO" --version | head -1)"

# 2. The Vulkan loader, which Deno's WebGPU needs on Linux to reach an NVIDIA GPU.
if [ ! -e /dev/nvidiactl ] && ! command -v nvidia-smi >/dev/null 2>&1; then
  say "warning: no NVIDIA GPU here (no /dev/nvidiactl, no nvidia-smi): not installing Vulkan"
elif ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  say "installing the Vulkan loader (libvulkan1)"
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null &&
      $SUDO apt-get install -y -q --no-install-recommends libvulkan1 >/dev/null ||
      say "warning: could not install libvulkan1; WebGPU may find no adapter"
  elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y -q vulkan-loader >/dev/null ||
      say "warning: could not install vulkan-loader; WebGPU may find no adapter"
  else
    say "warning: no libvulkan.so.1 and no apt-get or dnf to install it"
  fi
fi
if [ -e /dev/nvidiactl ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json \
  /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  say "warning: no NVIDIA Vulkan driver manifest (nvidia_icd.json); in a container set" \
    "NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics"
fi

# 3. The project's npm dependencies (cached after the first run).
say "deno install"
"$DENO" install --frozen >/dev/null 2>&1 || "$DENO" install >/dev/null

# 4. The diagnostic: adapter, limits, a product on WebGPU against wasm.
say "deno task gpu-check"
if ! "$DENO" task -q gpu-check; then
  if [ -z "$allow_software" ]; then
    echo "error: no usable GPU (see above); pass --allow-software to measure anyway" >&2
    exit 1
  fi
  say "no usable GPU: measuring anyway (--allow-software)"
fi

# 5. The sweeps on WebGPU and PyTorch CUDA: one table.
say "sweeps (${steps} steps each, batch ${batch})"
"$DENO" run -A bench/gpu.ts --steps "$steps" --batch "$batch" $allow_software
say "done"
