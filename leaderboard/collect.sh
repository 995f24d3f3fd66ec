#!/usr/bin/env bash
# Copy the run folders that grid worktrees completed into this checkout (leaderboard/REPUBLISH.md,
# "How a session continues the grid"):
#
#     leaderboard/collect.sh /work/expA /work/expB
#
# A folder is copied when its run.json is new or changed in the worktree (git status against the
# worktree's own commit) and its status is "completed": a record the worktree's commit already
# holds is never copied back, so a worktree of an older commit cannot overwrite a newer record.
# Running and failed runs stay where they are. The copy includes ignored files (weights, checkpoints),
# which git keeps ignoring — except the eight-Gaussians arms' model.pt, which .gitignore lets
# through (studies/masked_weighted_emd reads them), so `git add <run folder>` commits them.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$PWD
for tree in "$@"; do
  [ -d "$tree/.git" ] || [ -f "$tree/.git" ] || { echo "$tree is not a git worktree" >&2; exit 2; }
  git -C "$tree" status --porcelain --untracked-files=all -- '*run.json' | sed 's/^...//' |
    while read -r rel; do
      status=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("status"))' "$tree/$rel")
      [ "$status" = completed ] || continue
      folder=$(dirname "$rel")
      mkdir -p "$dest/$folder"
      cp -a "$tree/$folder/." "$dest/$folder/"
      echo "$folder"
    done
done
