#!/usr/bin/env bash
# The masked/weighted-prior study (issue 15, experiment i): gan vs masked_gan vs weighted_gan on
# eight Gaussians at the paper's scale (inside (−1, 1)²: radius 0.8, tanh output), 100 000
# generator steps (the budget rule: the WGAN-GP authors' 8-Gaussians script, not any model's EMD),
# seeds 0–4, in two arms with every setting applied to the three models at once:
#   ns     — the non-saturating GAN path the paper says gave similar results: s = D's probability;
#   table1 — the paper's Table 1 critic: sigmoid output, WGAN with weight clipping, RMSProp, at
#            the WGAN paper's clip 0.01;
#   table1_clip0.1 — the same critic clipped at 0.1: the pre-stated (i-b) rule, taken because at
#            0.01 the critic did not train the baseline (gan seed 0: EMD 0.768 against
#            pixel_gaussian's 0.350, generator collapsed at the origin; docs/models.md). The
#            table1 arm holds gan seed 0 only and is not run further (ARMS=table1 runs it).
# Seed-major (the six runs of a seed, then the next seed), so that a grid cut off across sessions
# still pairs the models seed by seed; within a seed gan in both arms first, so the first two runs
# say whether the clipped critic trains the baseline at all (docs/models.md, the (i-b) rule).
# ARMS, SEEDS and MODELS pick a part of the grid (one run per core: e.g. `ARMS=ns SEEDS=1
# MODELS=gan`). Completed runs are skipped: rerunning resumes. ≈ 60–110 min per run (the CPU
# varies) on one core of this 2-core machine, ≈ 45 CPU-h for both arms: a grid for several
# sessions, or a GPU (--device cuda).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
HERE=studies/masked_weighted_emd
SCALE=(--set architecture.decoder_output=tanh --set data.radius=0.8 --set data.n_train=1000000)
# The paper budget's 7200 s wall-clock cap is sized for its 10 000-step autoencoders; a run of
# 100 000 steps outruns it as soon as the machine is shared (masked_gan ns seed 0, session 10:
# 19 steps/s alone, 10 beside two or three other jobs, i.e. 2.8 h). A run stopped at the cap fails
# and resumes from its checkpoint when run again, but `set -e` ends this script there. The cap is
# how a run is carried out, not what it trains (lpbench.records: a resume may change it), so
# raising it changes no result.
RUN=(--set budget.max_wall_s=21600)
NS=(--set '*.loss=ns')
TABLE1=(--set '*.loss=wgan' --set '*.critic_output=sigmoid' --set '*.optimizer=rmsprop')
ARMS=${ARMS:-ns table1_clip0.1}
SEEDS=${SEEDS:-0 1 2 3 4}
MODELS=${MODELS:-gan masked_gan weighted_gan}
for seed in $SEEDS; do
  for model in $MODELS; do
    for arm in $ARMS; do
      case "$arm" in
        ns) SETTINGS=("${NS[@]}") ;;
        table1) SETTINGS=("${TABLE1[@]}" --set '*.clip=0.01') ;;
        table1_clip0.1) SETTINGS=("${TABLE1[@]}" --set '*.clip=0.1') ;;
        *) echo "unknown arm $arm (ns, table1, table1_clip0.1)" >&2; exit 2 ;;
      esac
      lpbench run --models $model --dataset eight_gaussians --budget paper --seeds "$seed" \
        "${SCALE[@]}" "${RUN[@]}" "${SETTINGS[@]}" --runs-dir "$HERE/$arm/runs" --threads 1 -q
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
