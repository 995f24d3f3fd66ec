#!/usr/bin/env bash
# The masked/weighted-prior study (issue 15, experiment i): gan vs masked_gan vs weighted_gan on
# eight Gaussians at the paper's scale (inside (−1, 1)²: radius 0.8, tanh output), 100 000
# generator steps (the budget rule: the WGAN-GP authors' 8-Gaussians script, not any model's EMD),
# seeds 0–4, in two arms with every setting applied to the three models at once:
#   ns     — the non-saturating GAN path the paper says gave similar results: s = D's probability;
#   table1 — the paper's Table 1 critic: sigmoid output, WGAN with weight clipping, RMSProp.
# Seed-major (the six runs of a seed, then the next seed), so that a grid cut off across sessions
# still pairs the models seed by seed; within a seed gan in both arms first, so the first two runs
# say whether the clipped critic trains the baseline at all (docs/models.md, the (i-b) rule).
# Completed runs are skipped: rerunning resumes. ≈ 85–95 min per run on one core of this 2-core
# machine (≈ 45 CPU-h for both arms): a grid for several sessions, or a GPU (--device cuda).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
HERE=studies/masked_weighted_emd
SCALE=(--set architecture.decoder_output=tanh --set data.radius=0.8 --set data.n_train=1000000)
NS=(--set '*.loss=ns')
TABLE1=(--set '*.loss=wgan' --set '*.critic_output=sigmoid' --set '*.optimizer=rmsprop' --set '*.clip=0.01')
ARMS=${ARMS:-ns table1}
SEEDS=${SEEDS:-0 1 2 3 4}
for seed in $SEEDS; do
  for model in gan masked_gan weighted_gan; do
    for arm in $ARMS; do
      if [ "$arm" = ns ]; then SETTINGS=("${NS[@]}"); else SETTINGS=("${TABLE1[@]}"); fi
      lpbench run --models $model --dataset eight_gaussians --budget paper --seeds "$seed" \
        "${SCALE[@]}" "${SETTINGS[@]}" --runs-dir "$HERE/$arm/runs" --threads 1 -q
    done
  done
done
# the reference rows (the real-vs-real floor, a memorizer, pca_gmm, pixel_gaussian) on the same
# data, one draw per seed: seconds
for arm in $ARMS; do
  lpbench references --dataset eight_gaussians --budget paper --seeds "${SEEDS// /,}" \
    --set data.radius=0.8 --set data.n_train=1000000 --runs-dir "$HERE/$arm/runs" -q
done
python studies/masked_weighted_emd/analyze.py
