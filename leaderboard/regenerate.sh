#!/usr/bin/env bash
# Regenerates everything published from the committed run records, without training: the
# masked/weighted study's analysis, the tables (the published ones and the studies'), the report,
# claims.json, the provenance and the README's headline section. reproduce.sh ends with it; run it
# alone after collecting new records (leaderboard/REPUBLISH.md). The published-leaderboard tests
# fail until all of it is regenerated.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=leaderboard/runs
ARMS=(studies/masked_weighted_emd/table1_clip0.1/runs studies/masked_weighted_emd/ns/runs)

python studies/masked_weighted_emd/analyze.py
lpbench leaderboard --runs-dir $RUNS --out leaderboard/tables
# the studies' tables, in the two formats `lpbench run` writes beside a runs directory
find studies -type d -name leaderboard -path '*/runs*' | sort | while read -r out; do
  for fmt in md csv; do lpbench leaderboard --runs-dir "${out%/leaderboard}" --out "$out" --format $fmt; done
done
# the figures leaderboard/runs publishes (the PRD plots are redrawn from prd_curve.json): a live runs
# directory holds more, and the report would embed them all
lpbench report --runs-dir $RUNS --out leaderboard/report.html --figures samples,density,curves_plot
python leaderboard/claims.py $RUNS leaderboard/claims.json
python leaderboard/provenance.py $RUNS leaderboard/PROVENANCE "${ARMS[@]}"
# the tables and the claims' prose, from the tables and claims.json
python leaderboard/readme_section.py
