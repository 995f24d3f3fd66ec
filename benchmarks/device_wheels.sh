#!/usr/bin/env bash
# Prepare the wheels gpu_check.sh needs on a device machine that cannot reach a package index
# (issue 19). Run HERE, where the index is reachable; it writes .device-wheels/ (git-ignored),
# which the device call carries (`carry: [".device-wheels"]`) and gpu_check.sh installs first.
#
# The device image already holds torch, torchvision, numpy, scipy, scikit-learn, pandas,
# matplotlib, pillow, pluggy, click, rich, pyyaml, jinja2, tabulate, attrs and pytest
# (/work/.library/device/KINDS.md, "Python packages already there"); lpbench's other runtime
# dependencies are downloaded for its Python (3.12, x86-64 Linux) without their dependencies, so
# the image's own torch is never replaced. setuptools ≥ 77 builds lpbench's editable install
# there without an index (pyproject's build requirement).
#
#   benchmarks/device_wheels.sh            # PYVER=3.12 DEST=.device-wheels by default
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
PYVER="${PYVER:-3.12}"
DEST="${DEST:-.device-wheels}"
# pot 0.9.6: 0.9.7's wheel is 33 MB, too much beside the repository under the 64 MiB a call carries
PACKAGES=(torch-fidelity "pot==0.9.6.post1" mlxtend jsonschema jsonschema-specifications referencing rpds-py "setuptools>=77")
rm -rf "$DEST" && mkdir -p "$DEST"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
  --implementation cp -d "$DEST" "${PACKAGES[@]}"
du -sh "$DEST" >&2
ls "$DEST" >&2
