"""Atomic records, discovery, and leaderboard aggregation over seeds."""
import json
import math
import os

import pytest

from lpbench import leaderboard, records


def test_atomic_write_leaves_old_file_intact_on_failure(tmp_path, monkeypatch):
    from lpbench import store

    path = tmp_path / "run.json"
    store.atomic_write_json(path, {"status": "completed"})

    def torn_write(fd, data):  # the process dies mid-write
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", lambda fd: torn_write(fd, None))
    with pytest.raises(OSError):
        store.atomic_write_json(path, {"status": "running"})
    assert json.loads(path.read_text()) == {"status": "completed"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temp file left behind


def test_unreadable_record_is_skipped_not_fatal(tmp_path):
    d = records.run_dir(tmp_path, "digits", "smoke", "vae", 0)
    d.mkdir(parents=True)
    (d / "run.json").write_text("{torn")
    with pytest.warns(UserWarning, match="unreadable"):
        assert list(records.iter_records(tmp_path)) == []
    assert not records.is_completed(d)


def fake_run(root, model, seed, metrics, dataset="eight_gaussians", budget="smoke", status="completed",
             extractor="raw", n=1000, train_s=1.0):
    d = records.run_dir(root, dataset, budget, model, seed)
    records.write_record(d, {
        "model": model, "dataset": dataset, "budget": budget, "seed": seed, "status": status,
        "metrics": metrics, "timings": {"train_s": train_s},
        "metric_provenance": {k: {"metric": k, "extractor": extractor, "n_generated": n,
                                  "n_reference": n, "reference_split": "test"} for k in metrics},
    })


def test_aggregates_mean_std_over_seeds_and_sorts_by_primary(tmp_path):
    for s, v in enumerate([0.1, 0.3]):
        fake_run(tmp_path, "b_model", s, {"emd": v, "hq": 90.0 + s}, train_s=2.0 + s)
    for s, v in enumerate([0.05, 0.07, 0.09]):
        fake_run(tmp_path, "a_model", s, {"emd": v, "hq": 99.0})
    fake_run(tmp_path, "c_model", 0, {"emd": 0.01}, status="failed")  # failed runs never count
    t = leaderboard.tables(tmp_path, {"emd": False, "hq": True}, {"eight_gaussians": "emd"})
    table = t[("eight_gaussians", "smoke")]
    assert list(table["model"]) == ["a_model", "b_model"]  # lower emd first
    b = table.set_index("model").loc["b_model"]
    assert b["emd"] == pytest.approx(0.2)
    assert b["emd std"] == pytest.approx(math.sqrt(0.02))  # sample std over seeds
    assert b["seeds"] == 2 and b["train_s"] == pytest.approx(2.5)
    assert table.set_index("model").loc["a_model", "seeds"] == 3
    # direction: sorted by a higher-is-better primary, highest first
    t = leaderboard.tables(tmp_path, {"emd": False, "hq": True}, {"eight_gaussians": "hq"})
    assert list(t[("eight_gaussians", "smoke")]["model"]) == ["a_model", "b_model"]
    t = leaderboard.tables(tmp_path, {"emd": True}, {"eight_gaussians": "emd"})
    assert list(t[("eight_gaussians", "smoke")]["model"]) == ["b_model", "a_model"]


def test_different_provenance_never_shares_a_column(tmp_path):
    fake_run(tmp_path, "m1", 0, {"fid": 10.0}, dataset="digits", extractor="digits_cnn", n=360)
    fake_run(tmp_path, "m2", 0, {"fid": 12.0}, dataset="digits", extractor="inception", n=360)
    fake_run(tmp_path, "m3", 0, {"fid": 11.0}, dataset="digits", extractor="inception", n=200)
    table = leaderboard.tables(tmp_path, {}, {"digits": "fid"})[("digits", "smoke")]
    cols = table.attrs["metrics"]
    assert "fid [digits_cnn]" in cols
    assert "fid [inception] (n=360, test)" in cols and "fid [inception] (n=200, test)" in cols
    row = table.set_index("model")
    assert math.isnan(row.loc["m1", "fid [inception] (n=360, test)"])


@pytest.mark.parametrize("fmt, needle", [
    ("md", "| a_model"), ("csv", "model,prior,seeds,train_s,prior_fit_s,emd,emd std"), ("json", '"model":"a_model"'),
    ("latex", r"a\_model"), ("html", "<table"),
])
def test_every_format_renders(tmp_path, fmt, needle):
    fake_run(tmp_path, "a_model", 0, {"emd": 0.1})
    fake_run(tmp_path, "a_model", 1, {"emd": 0.2})
    table = leaderboard.tables(tmp_path, {}, {})[("eight_gaussians", "smoke")]
    out = leaderboard.render(table, fmt)
    assert needle in out.replace(" ", "") if fmt == "json" else needle in out
    if fmt == "md":
        assert "0.15 ± 0.071" in out


def test_html_and_markdown_escape_names(tmp_path):
    fake_run(tmp_path, "<script>alert(1)", 0, {"emd": 0.1})  # no '/': a model name is a folder name
    table = leaderboard.tables(tmp_path, {}, {})[("eight_gaussians", "smoke")]
    assert "<script>" not in leaderboard.render(table, "html")
