#!/usr/bin/env bash
# The learned-prior PAG study (issue 15, experiment ii): gan vs pgan on digits at the `cpu` budget,
# 5 seeds, with the faithful reversal (Algorithm 1) and pgan's secondary GAN trained until its
# convergence test stops it (allowance raised to 400 epochs of codes). Two arms, every setting set
# for both models at once (no model tuned on its own):
#   shared — the digits GAN settings both models share in registry.yaml;
#   app_e  — PGAN App. E's optimizer for every network of both models: RMSProp 3e-4, batch 100.
# pag with Algorithm 1's reversal of every test digit (up to 1 000 steps), not the cpu budget's
# truncated 128 codes × 300 steps: --set pag.* for both models.
# Completed runs are skipped, so rerunning resumes. One torch thread per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
COMMON=(--models gan,pgan --dataset digits --budget cpu --seeds 0,1,2,3,4 --set budget.aux_epochs=400
  --set pag.n_points=1024 --set pag.steps=1000 --threads 1 -q)
lpbench run "${COMMON[@]}" --runs-dir studies/learned_prior_pag/runs/shared --workers "${WORKERS:-2}"
lpbench run "${COMMON[@]}" --set '*.optimizer=rmsprop' --set '*.lr=0.0003' --set budget.batch_size=100 \
  --runs-dir studies/learned_prior_pag/runs/app_e --workers "${WORKERS:-2}"
python studies/learned_prior_pag/analyze.py
