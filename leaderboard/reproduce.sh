#!/usr/bin/env bash
# Regenerates every published number under leaderboard/ on a CPU-only machine with 2 cores.
# Run from the repository root after the README's install. Runs that already completed are
# skipped, so an interrupted invocation is resumed by running this script again.
set -uo pipefail
export OMP_NUM_THREADS=1  # one torch/BLAS thread per run: 2 runs at once on 2 cores
RUNS=leaderboard/runs

# Published tables use 5 seeds (issue 16: rank groups need them; Welch's test on 3 seeds has about
# 2 degrees of freedom); the eight-Gaussians autoencoders 3 (issue 21: their table is not a claim's).
SEEDS=0,1,2,3,4

# 1. every model on the embedded digits at the paper budget, seed-major (a grid cut off across
# sessions still pairs the models by seed), one run at a time per core; the four models of
# studies/glf_ordering last in each seed
DIGITS_PAPER=wae_mmd,aae,gan,masked_gan,weighted_gan,pgan,wae_gan,aae_learned_prior,two_stage_vae,glf_regularized,vae,rae_gmm,glf,vae_flow_prior
for seed in ${SEEDS//,/ }; do
  lpbench run --models $DIGITS_PAPER --dataset digits --budget paper --seeds $seed --runs-dir $RUNS --device cpu --threads 1 -q
done
lpbench references --dataset digits --budget paper --seeds $SEEDS --runs-dir $RUNS -q
# 2. eight Gaussians at the masked/weighted-prior paper's scale (Table 1's tanh output, modes on a
# circle of radius 0.8 inside (−1, 1)²): the autoencoders at the paper budget (10 000 steps), 3 seeds,
# seed-major, and their reference rows on the same data settings
EIGHT_AE=vae,rae_gmm,wae_gan,wae_mmd,two_stage_vae,glf,glf_regularized,vae_flow_prior,aae,aae_learned_prior
for seed in 0 1 2; do
  lpbench run --models $EIGHT_AE --dataset eight_gaussians --budget paper --seeds $seed \
    --set architecture.decoder_output=tanh --set data.radius=0.8 --runs-dir $RUNS --device cpu --threads 1 -q
done
lpbench references --dataset eight_gaussians --budget paper --seeds $SEEDS --set data.radius=0.8 --runs-dir $RUNS -q
# then gan, masked_gan and weighted_gan in the two arms of issue 15's experiment (i), each into its
# own runs directory (studies/masked_weighted_emd/<arm>/runs), 100 000 generator steps per run:
# ≈ 50 CPU-h on this machine (leaderboard/REPUBLISH.md); it ends with the study's analysis
bash studies/masked_weighted_emd/run.sh
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

# 3. tables, report, the claims, the provenance and the README's headline section, all from the
# run records
bash leaderboard/regenerate.sh
