"""Uncertainty over seeds (lpbench.stats) and how the leaderboard shows it: t-intervals, tests,
Holm's correction and rank groups, on hand-made numbers and records with known answers."""

import json
import math

import pytest

from lpbench import records, tables
from lpbench.stats import compare, holm, rank_groups, summary
from lpbench.testing import completed_record

T_975_2DF = 4.302652729911275  # Student's t, 97.5 % quantile, 2 degrees of freedom


def test_summary_is_the_t_interval_of_the_mean():
    s = summary([1.0, 2.0, 3.0])
    assert s["n"] == 3 and s["mean"] == 2.0 and s["std"] == pytest.approx(1.0)
    half = T_975_2DF * 1.0 / math.sqrt(3)
    assert s["ci_low"] == pytest.approx(2.0 - half) and s["ci_high"] == pytest.approx(2.0 + half)
    one = summary([5.0])
    assert one["mean"] == 5.0 and one["std"] is None and one["ci_low"] is None
    assert summary([])["mean"] is None


def test_holm_adjusts_step_down_in_input_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_compare_welch_and_paired_against_scipy_and_degenerate_cases():
    from scipy import stats

    a, b = [1.0, 1.2, 0.9, 1.1], [2.0, 2.5, 1.8, 2.2]
    w = compare(a, b)
    assert w["test"] == "Welch t-test" and w["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert w["mean_diff"] == pytest.approx(-1.075) and w["effect_size"] < -3 and w["significant"]
    p = compare(a, b, paired=True)
    assert p["test"].startswith("paired") and p["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    d = [x - y for x, y in zip(a, b)]
    assert p["effect_size"] == pytest.approx(sum(d) / len(d) / summary(d)["std"])
    # constant samples: equal means cannot be told apart, different ones can
    assert compare([8.0, 8.0, 8.0], [8.0, 8.0, 8.0])["p_value"] == 1.0
    assert compare([0.0, 0.0, 0.0], [8.0, 8.0, 8.0])["p_value"] == 0.0
    assert compare([1.0], [2.0, 3.0])["p_value"] is None  # one seed: no test


def test_rank_groups_split_where_the_tests_say():
    near_best = [[1.0, 1.1, 0.9], [1.05, 0.95, 1.15]]  # indistinguishable
    far = [[5.0, 5.1, 4.9], [5.02, 4.98, 5.1]]  # each other's peers, far from the best
    assert rank_groups([far[0], near_best[0], far[1], near_best[1]]) == [2, 1, 2, 1]
    # higher is better reverses who is best
    assert rank_groups([far[0], near_best[0], far[1], near_best[1]], higher_is_better=True) == [1, 2, 1, 2]
    # a row whose seeds scatter widely cannot be told from the best
    assert rank_groups([[1.0, 1.1, 0.9], [0.5, 9.0, 3.0]]) == [1, 1]
    assert rank_groups([[1.0, 1.1, 1.2], []]) == [1, None]
    # rows with fewer than 3 seeds are not placed, whatever their value, and open no rank
    assert rank_groups([[0.1], [1.0, 1.1, 0.9], [9.0, 9.1]]) == [None, 1, None]
    assert rank_groups([[0.1], [9.0, 9.2]]) == [None, None]


def _record(root, model, seed, metrics, prior=None):
    folder = records.run_dir(root, "eight_gaussians", "smoke", model, seed)
    rec = completed_record(
        model,
        seed,
        metrics=metrics,
        timings={"train_s": 1.0},
        metric_provenance={
            k: {"metric": k, "extractor": "raw", "n_generated": 100, "n_reference": 100, "reference_split": "test"}
            for k in metrics
        },
    )
    if prior:  # a reference row (lpbench.references)
        folder = root / "eight_gaussians" / "smoke" / "references" / model / f"seed{seed}"
        rec.update(prior=prior, reference=True)
    records.write_record(folder, rec)


@pytest.fixture
def board(tmp_path):
    for s, v in enumerate([1.0, 1.1, 0.9]):
        _record(tmp_path, "best", s, {"emd": v})
    for s, v in enumerate([1.05, 0.95, 1.15]):
        _record(tmp_path, "peer", s, {"emd": v})
    for s, v in enumerate([5.0, 5.1, 4.9]):
        _record(tmp_path, "worse", s, {"emd": v})
    for s, v in enumerate([0.1, 0.12, 0.08, 0.11, 0.09]):
        _record(tmp_path, "real_data", s, {"emd": v}, prior="reference")
    return tmp_path


def test_leaderboard_intervals_ranks_and_reference_rows(board):
    table = tables.build(board, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    rows = table.set_index("model")
    assert list(table["model"]) == ["best", "peer", "worse", "real_data"]  # references last, never ranked
    assert rows.loc["best", "emd"] == pytest.approx(1.0) and rows.loc["best", "emd std"] == pytest.approx(0.1)
    half = T_975_2DF * 0.1 / math.sqrt(3)
    assert rows.loc["best", "emd ci_low"] == pytest.approx(1.0 - half)
    assert rows.loc["best", "emd ci_high"] == pytest.approx(1.0 + half)
    assert [rows.loc[m, "rank"] for m in ("best", "peer", "worse")] == [1, 1, 2]
    assert rows.loc["real_data", "reference"] and not rows.loc["best", "reference"]
    assert rows.loc["real_data", "seeds"] == 5 and table["rank"].isna().tolist() == [False, False, False, True]


@pytest.mark.parametrize("fmt", ["md", "html", "latex"])
def test_every_human_format_shows_interval_rank_and_legend(board, fmt):
    table = tables.build(board, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    text = tables.render(table, fmt)
    half = T_975_2DF * 0.1 / math.sqrt(3)
    assert f"{1.0 - half:.3g}" in text and f"{1.0 + half:.3g}" in text  # the interval's ends
    assert "rank" in text and "ref" in text and "Holm" in text and "t-interval" in text


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_machine_formats_carry_std_interval_rank_and_reference(board, fmt):
    table = tables.build(board, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    text = tables.render(table, fmt)
    if fmt == "csv":
        header = text.splitlines()[0].split(",")
        assert {"emd", "emd std", "emd ci_low", "emd ci_high", "rank", "reference"} <= set(header)
    else:
        rows = {r["model"]: r for r in json.loads(text)}
        assert rows["worse"]["rank"] == 2 and rows["real_data"]["rank"] is None and rows["real_data"]["reference"]
        assert rows["best"]["emd ci_low"] < 1.0 < rows["best"]["emd ci_high"]


def test_terminal_table_has_the_rank_column_and_the_legend(board):
    # the rich table is drawn only on a terminal: check what it is given
    table = tables.build(board, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    disp = tables.display_frame(table)
    assert list(disp.columns[:2]) == ["rank", "model"] and list(disp["rank"]) == ["1", "1", "2", "ref"]
    assert "Welch" in tables.legend(table)


def test_a_row_with_too_few_seeds_is_shown_unranked_in_every_view(board, tmp_path):
    from lpbench.report import primary_chart

    for s, v in enumerate([0.2, 0.3]):  # the best mean, but 2 seeds: no rank, and no rank group opened
        _record(board, "two_seeds", s, {"emd": v})
    table = tables.build(board, {"emd": False}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    rows = table.set_index("model")
    assert tables.rank_of(rows.loc["two_seeds", "rank"]) is None and rows.loc["best", "rank"] == 1
    assert list(table["model"]) == ["best", "peer", "worse", "two_seeds", "real_data"]
    assert list(tables.display_frame(table)["rank"]) == ["1", "1", "2", "–", "ref"]
    _, cells, _, _ = tables.headline_view(table)
    assert [c[0] for c in cells] == ["1", "1", "2", "–", "ref"]
    assert json.loads(tables.render(table, "json"))[3]["rank"] is None
    assert primary_chart(table, [0, 1, 2])  # the report's chart draws it too


def test_a_kid_std_over_whole_set_subsets_is_not_shown(tmp_path):
    # records scored before subsets were halved: subset size = n, so "std" was no spread
    _record(tmp_path, "old", 0, {"emd": 1.0, "kid": 0.1, "kid_std": 1e-7, "kid_subset_size": 100})
    _record(tmp_path, "new", 0, {"emd": 1.0, "kid": 0.1, "kid_std": 0.02, "kid_subset_size": 50})
    table = tables.build(tmp_path, {}, {"eight_gaussians": "emd"})[("eight_gaussians", "smoke")]
    rows = table.set_index("model")
    assert math.isnan(rows.loc["old", "kid_std"]) and rows.loc["new", "kid_std"] == pytest.approx(0.02)
