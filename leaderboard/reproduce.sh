#!/usr/bin/env bash
# Regenerates every published number under leaderboard/ on a CPU-only machine with 2 cores.
# Run from the repository root after the README's install. Runs that already completed are
# skipped, so an interrupted invocation is resumed by running this script again.
set -uo pipefail
export OMP_NUM_THREADS=1  # one torch/BLAS thread per run: 2 runs at once on 2 cores
RUNS=leaderboard/runs
ALL=vae,rae_gmm,wae_gan,wae_mmd,two_stage_vae,glf,glf_regularized,vae_flow_prior,gan,masked_gan,weighted_gan,pgan,aae,aae_learned_prior

# Published tables use 5 seeds (issue 16: rank groups need them; Welch's test on 3 seeds has about
# 2 degrees of freedom). The committed eight-Gaussians model runs hold seeds 0-2: they predate this
# default and are replaced by issue 21's runs at the paper's scale (leaderboard/REPUBLISH.md).
SEEDS=0,1,2,3,4

# 1. every model on the embedded digits at the paper budget, seed-major (a grid cut off across
# sessions still pairs the models by seed), one run at a time per core; the four models of
# studies/glf_ordering last in each seed
DIGITS_PAPER=wae_mmd,aae,gan,masked_gan,weighted_gan,pgan,wae_gan,aae_learned_prior,two_stage_vae,glf_regularized,vae,rae_gmm,glf,vae_flow_prior
for seed in ${SEEDS//,/ }; do
  lpbench run --models $DIGITS_PAPER --dataset digits --budget paper --seeds $seed --runs-dir $RUNS --device cpu --threads 1 -q
done
lpbench references --dataset digits --budget paper --seeds $SEEDS --runs-dir $RUNS -q
# 2. the GAN family and the autoencoders on eight Gaussians, the masked/weighted paper's budget
lpbench run --models "$ALL" --dataset eight_gaussians --budget paper --seeds $SEEDS --runs-dir $RUNS --device cpu --workers 2 -q
# 2b. (issue 21, being republished: leaderboard/REPUBLISH.md) mnist5k at its cpu budget: the GLF
# comparison at 5 seeds, seed-major so that a cut-off grid still pairs the models by seed
GLF_COMPARISON=glf,rae_gmm,vae,vae_flow_prior,wae_mmd,two_stage_vae
for seed in ${SEEDS//,/ }; do
  lpbench run --models $GLF_COMPARISON --dataset mnist5k --budget cpu --seeds $seed --runs-dir $RUNS --device cpu --threads 1 -q
done
# then the other eight models on mnist5k, as far as the machine allows (each row shows its seeds)
MNIST5K_OTHERS=wae_gan,glf_regularized,aae,aae_learned_prior,gan,masked_gan,weighted_gan,pgan
for seed in ${SEEDS//,/ }; do
  lpbench run --models $MNIST5K_OTHERS --dataset mnist5k --budget cpu --seeds $seed --runs-dir $RUNS --device cpu --threads 1 -q
done
lpbench references --dataset mnist5k --budget cpu --seeds $SEEDS --runs-dir $RUNS -q
# 2c. the reference rows (real data, memorizer, pca_gmm, pixel_gaussian), 5 draws each: seconds
lpbench references --dataset eight_gaussians --budget paper --seeds $SEEDS --runs-dir $RUNS -q

# 3. tables, report, the claims, the paper comparison and the provenance, all from the run records
lpbench leaderboard --runs-dir $RUNS --out leaderboard/tables
# the figures leaderboard/runs publishes (the PRD plots are redrawn from prd_curve.json): a live runs
# directory holds more, and the report would embed them all
lpbench report --runs-dir $RUNS --out leaderboard/report.html --figures samples,density,curves_plot
python leaderboard/claims.py $RUNS leaderboard/claims.json
python benchmarks/eight_gaussians_paper.py $RUNS benchmarks/results/eight_gaussians_paper.json
python leaderboard/provenance.py $RUNS leaderboard/PROVENANCE
# 4. the README's headline section (tables and the claims prose) from the tables and claims.json
python leaderboard/readme_section.py
