#!/usr/bin/env bash
# The main job: trains the seed CNN for a couple of epochs on MNIST (or Fashion-MNIST), prints the
# test accuracy and writes a report folder. Extra arguments go to `funccnn demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

have_mnist() {
  [ -n "${FUNCCNN_DATA:-}" ] && [ -d "${FUNCCNN_DATA}" ] && return 0
  [ -f ../shared/datasets/mnist/train-images-idx3-ubyte.gz ] && return 0
  [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && return 0
  return 1
}
if ! have_mnist; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "No MNIST found: installing Debian's dataset-fashion-mnist (Fashion-MNIST) ..."
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
  else
    echo "No MNIST or Fashion-MNIST found, and apt-get is not available as root." >&2
    echo "Put MNIST under ../shared/datasets/mnist or set FUNCCNN_DATA, or run: sudo apt-get install -y dataset-fashion-mnist" >&2
    exit 1
  fi
fi
dotnet build src/FuncCnn.Cli -c Release -nologo -v quiet
dotnet src/FuncCnn.Cli/bin/Release/net10.0/funccnn.dll demo "$@"
