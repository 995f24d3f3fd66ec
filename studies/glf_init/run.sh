#!/usr/bin/env bash
# Does the GLF code's weight initialization change the GLF comparison? (docs/fidelity.md: lpbench
# starts every model from PyTorch's default initialization; the GLF authors' nets draw every conv,
# transposed-conv and linear weight from N(0, 0.02²) with zero biases, AE/convAE_infoGAN.py and
# vae/VAE_infoGAN.py.) glf, rae_gmm and vae — the three models of the paper's ordering — on mnist5k
# at the `cpu` budget with `--set architecture.init=normal_0.02`, seeds 0–4, against the published
# runs (leaderboard/runs/mnist5k/cpu: the default initialization, every other value the same).
# Nothing else changes and nothing is tuned. Completed runs are skipped: rerunning resumes.
# SEEDS picks seeds (one run per core: e.g. `SEEDS="0 1 2"` beside `SEEDS="3 4"`). ≈ 12 min per
# seed on one core of this 2-core machine (glf, rae 3.5 min, vae 5), ≈ 1 CPU-h in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
HERE=studies/glf_init
for seed in ${SEEDS:-0 1 2 3 4}; do
  lpbench run --models glf,rae_gmm,vae --dataset mnist5k --budget cpu --seeds "$seed" \
    --set architecture.init=normal_0.02 --runs-dir $HERE/runs --device cpu --threads 1 -q
done
python $HERE/analyze.py
