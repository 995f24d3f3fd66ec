"""A resumed run's training time counts every segment: the checkpoint carries the seconds trained
so far, records resumed before it did say their time is not known, and PROVENANCE adds the earlier
segments to its Σ run time."""

import importlib
import sys
import time
from pathlib import Path

import torch

from lpbench import records
from lpbench.context import CHECKPOINT, RunContext
from lpbench.testing import completed_record

ROOT = Path(__file__).resolve().parents[1]


def _ctx(folder, trained_s: float = 0.0) -> RunContext:
    ctx = RunContext(run_dir=folder, total_steps=100, checkpoint_every=10)
    ctx._t0 = time.monotonic() - trained_s  # as if this process had trained that long
    return ctx


def test_a_checkpoint_carries_the_seconds_trained_so_far_across_every_resume(tmp_path):
    first = _ctx(tmp_path, trained_s=100.0)
    first.save_checkpoint({"step": 10})
    second = _ctx(tmp_path, trained_s=50.0)
    assert second.load_checkpoint()["step"] == 10
    assert 100.0 <= second.trained_before_s < 101.0
    second.save_checkpoint({"step": 20})
    third = _ctx(tmp_path)
    third.load_checkpoint()
    assert 150.0 <= third.trained_before_s < 152.0
    assert third.trained_s() >= third.trained_before_s


def test_a_checkpoint_without_the_time_leaves_the_training_time_unknown(tmp_path):
    _ctx(tmp_path).save_checkpoint({"step": 10})
    state = torch.load(tmp_path / CHECKPOINT, weights_only=False)
    del state["train_s"]  # as lpbench wrote checkpoints before it saved the time
    torch.save(state, tmp_path / CHECKPOINT)
    ctx = _ctx(tmp_path)
    ctx.load_checkpoint()
    assert ctx.resumed_from == 10 and ctx.trained_before_s is None and ctx.trained_s() is None
    assert _ctx(tmp_path).trained_s() is not None  # a fresh context knows its own time


def _record(root, model, seed, timings, resumed=None):
    rec = completed_record(
        model,
        seed,
        metrics={"emd": 0.1},
        timings=timings,
        environment={"cpu": "test cpu"},
        started_at="2026-12-01T10:00:00+00:00",
        finished_at="2026-12-01T11:00:00+00:00",
    )
    if resumed is not None:
        rec["resumed_from_step"] = resumed
    records.write_record(records.run_dir(root, "eight_gaussians", "smoke", model, seed), rec)


def test_a_record_resumed_before_the_time_was_saved_reads_as_time_not_known(tmp_path):
    _record(tmp_path, "gan", 0, {"train_s": 30.0, "total_s": 31.0}, resumed=500)
    _record(tmp_path, "gan", 1, {"train_s": 30.0, "total_s": 31.0})
    old, fresh = sorted(records.iter_records(tmp_path), key=lambda r: r["seed"])
    assert old["timings"]["train_s"] is None
    assert old["timings"]["train_s_this_process"] == 30.0 and old["timings"]["train_s_before_resume"] is None
    assert fresh["timings"] == {"train_s": 30.0, "total_s": 31.0}


def test_provenance_adds_the_earlier_segments_and_names_the_runs_whose_time_is_partial(tmp_path, monkeypatch):
    _record(tmp_path, "gan", 0, {"train_s": 30.0, "total_s": 31.0}, resumed=500)
    new = {"train_s": 130.0, "train_s_before_resume": 100.0, "train_s_this_process": 30.0, "total_s": 31.0}
    _record(tmp_path, "gan", 1, new, resumed=500)
    _record(tmp_path, "gan", 2, {"train_s": 30.0, "total_s": 31.0})
    monkeypatch.syspath_prepend(str(ROOT / "leaderboard"))
    sys.modules.pop("provenance", None)
    group = importlib.import_module("provenance").groups(tmp_path)["eight_gaussians/smoke"]
    assert group["run_seconds_total"] == 31 + (31 + 100) + 31
    assert group["time_partial"] == ["gan seed 0"]
