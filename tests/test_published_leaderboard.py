"""The published leaderboard (leaderboard/) cannot drift from its run records: the committed
tables are exactly what `lpbench leaderboard` makes of the committed run.json files, and every
table in the README (and in docs/) is exactly the output of the command printed above it."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNS, TABLES = ROOT / "leaderboard" / "runs", ROOT / "leaderboard" / "tables"
BLOCK = re.compile(r"<!-- \$ lpbench (leaderboard [^\n]*?) -->\n(.*?)<!-- end -->", re.S)


@pytest.fixture
def board(monkeypatch):
    """The scripts beside the published leaderboard (claims, readme_section), imported afresh from
    this checkout."""
    import importlib
    import sys
    from types import SimpleNamespace

    monkeypatch.syspath_prepend(str(ROOT / "leaderboard"))
    for name in ("claims", "readme_section"):
        sys.modules.pop(name, None)
    return SimpleNamespace(
        claims=importlib.import_module("claims"), readme_section=importlib.import_module("readme_section")
    )


def _table_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.startswith("|")]


def test_committed_tables_are_what_the_committed_run_records_give(cli):
    res = cli("leaderboard", "--runs-dir", RUNS, "--out", TABLES, "--check")
    assert res.exit_code == 0, res.output


def test_the_studies_committed_tables_are_what_their_run_records_give(cli):
    """Each study's runs directory carries the md and csv tables `lpbench run` writes beside it;
    regenerate.sh rewrites them, so a record added to a study never leaves its table behind."""
    outs = sorted(p for p in (ROOT / "studies").glob("*/**/leaderboard") if p.is_dir() and "runs" in p.parts)
    assert len(outs) >= 5  # glf_ordering, learned_prior_aae, learned_prior_pag, the masked/weighted arms
    for out in outs:
        for fmt in ("md", "csv"):
            res = cli("leaderboard", "--runs-dir", out.parent, "--out", out, "--format", fmt, "--check")
            assert res.exit_code == 0, res.output


def test_readme_tables_are_the_output_of_the_commands_printed_with_them(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = BLOCK.findall((ROOT / "README.md").read_text())
    datasets = {args.split("--dataset ")[1].split()[0] for args, _ in blocks if "--dataset " in args}
    assert {"digits", "mnist5k", "eight_gaussians"} <= datasets
    pages = [("README.md", args, body) for args, body in blocks]
    pages += [
        (f"docs/{p.name}", args, body)
        for p in sorted((ROOT / "docs").glob("*.md"))
        for args, body in BLOCK.findall(p.read_text())
    ]
    for page, args, body in pages:
        res = cli(*shlex.split(args))
        assert res.exit_code == 0, res.output
        assert _table_lines(body) == _table_lines(res.output), f"{page} table for `lpbench {args}` is stale"


def test_committed_claims_are_what_the_committed_run_records_give(board):
    import json

    claims = board.claims

    committed = json.loads((ROOT / "leaderboard" / "claims.json").read_text())
    assert json.loads(json.dumps(claims.main(RUNS, None))) == committed


def test_readme_section_is_what_the_committed_records_and_claims_give(monkeypatch, capsys, board):
    monkeypatch.chdir(ROOT)
    readme_section = board.readme_section

    assert readme_section.main(["--check"]) == 0, capsys.readouterr().out


def _verdicts(node):
    """Every (verdict, tests) pair in claims.json, at any depth."""
    if isinstance(node, dict):
        if "verdict" in node:
            yield node["verdict"], node.get("tests")
        for v in node.values():
            yield from _verdicts(v)


def test_every_claim_verdict_carries_its_statistics():
    import json

    claims = json.loads((ROOT / "leaderboard" / "claims.json").read_text())
    found = list(_verdicts(claims))
    assert len(found) >= 7
    for verdict, tests in found:
        assert verdict in ("holds", "does not hold", "not significant", "too few seeds", "not measured")
        for t in tests or []:
            assert t["test"] in ("Welch t-test", "paired t-test (by seed)")
        if verdict == "not measured":  # a claim still filling up: some comparison has < 2 seeds
            assert tests and any(t["p_value"] is None and min(t["n_a"], t["n_b"]) < 2 for t in tests)
            continue
        for t in tests or []:
            assert t["p_value"] is not None and t["effect_size"] is not None and "p_holm" in t
            assert t["verdict"] == (
                "not significant" if t["p_holm"] >= 0.05 else "holds" if t["mean_diff"] < 0 else "does not hold"
            )
        if tests:  # a verdict needs 5 seeds of every model it compares
            assert (verdict == "too few seeds") == any(min(t["n_a"], t["n_b"]) < 5 for t in tests)
    # eight Gaussians' seed draws the data both runs share: paired; digits' does not: Welch
    emd = claims["masked_weighted_emd"]
    assert emd["verdict"] == emd["arms"][emd["verdict_arm"]]["verdict"]
    assert all(t["test"].startswith("paired") for arm in emd["arms"].values() for t in arm["tests"])
    assert all(t["test"] == "Welch t-test" for t in claims["glf_ordering"]["digits/paper"]["tests"])
    pag = claims["pag_tracks_quality"]["gaussian_prior_models"]
    assert pag["test"].startswith("Spearman") and pag["p_value"] is not None
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Do the papers' claims hold here?") : readme.index("## Install")]
    assert section.count("not significant") >= sum(v == "not significant" for v, _ in found)
    assert "Holm" in section and "Welch" in section


def test_claim_verdicts_follow_the_holm_corrected_tests(board):
    claims = board.claims
    from lpbench.stats import compare

    clear = compare([1.0, 1.1, 0.9, 1.0, 1.05], [3.0, 3.1, 2.9, 3.0, 3.05])  # a far below b
    noisy = compare([1.0, 2.0, 0.5, 1.5, 0.8], [1.2, 1.9, 1.4, 1.1, 1.6])  # a below b in the mean only
    assert claims.decide([dict(clear)]) == "holds"
    assert claims.decide([dict(noisy)]) == "not significant"
    assert claims.decide([dict(clear), dict(noisy)]) == "not significant"
    reversed_ = compare([3.0, 3.1, 2.9, 3.0, 3.05], [1.0, 1.1, 0.9, 1.0, 1.05])
    assert claims.decide([dict(clear), dict(reversed_)]) == "does not hold"
    # Holm: two comparisons at p = 0.03 each are not both significant at α = 0.05 after correction
    tests = [
        {"p_value": 0.03, "mean_diff": -1.0, "n_a": 5, "n_b": 5},
        {"p_value": 0.04, "mean_diff": -1.0, "n_a": 5, "n_b": 5},
    ]
    assert claims.decide(tests) == "not significant" and [t["p_holm"] for t in tests] == [0.06, 0.06]
    # fewer than 5 seeds: the statistics are computed, the verdict waits; one seed: no test at all
    four = [dict(compare([1.0, 1.1, 0.9, 1.0], [3.0, 3.1, 2.9, 3.0]))]
    assert claims.decide(four) == "too few seeds" and four[0]["verdict"] == "holds" and "p_holm" in four[0]
    assert claims.decide([dict(compare([1.0], [3.0]))]) == "not measured"


def test_the_aae_claim_splits_an_fid_difference_at_the_decoder_ceiling(board):
    """A samples' FID difference that the decoder ceilings carry is read as the autoencoder's, one
    that the gaps above the ceiling carry as the prior's; the split's tests decide no verdict."""
    claims, readme_section = board.claims, board.readme_section

    def runs(ceilings, gaps):
        return [
            {"seed": s, "metrics": {"fid": c + g}, "ceiling": {"fid": c}, "gap": {"fid": g}}
            for s, (c, g) in enumerate(zip(ceilings, gaps))
        ]

    noise = [0.0, 0.1, -0.1, 0.05, -0.05]
    low, high = [1 + e for e in noise], [5 + e for e in noise]
    same = [2 - e for e in noise]
    autoencoder = claims._ceiling_split({"aae_learned_prior": runs(low, same), "aae": runs(high, same)}, "mnist5k")
    assert autoencoder["ceiling_fid"]["test"]["verdict"] == "holds"
    assert autoencoder["gap_fid"]["test"]["verdict"] == "not significant"
    assert (
        readme_section.where(autoencoder["ceiling_fid"]["test"], autoencoder["gap_fid"]["test"])
        == "almost all in the autoencoder"
    )
    prior = claims._ceiling_split({"aae_learned_prior": runs(same, low), "aae": runs(same, high)}, "mnist5k")
    assert prior["gap_fid"]["test"]["verdict"] == "holds"
    assert readme_section.where(prior["ceiling_fid"]["test"], prior["gap_fid"]["test"]) == "almost all in the prior"
    # records without a ceiling leave the split without a test
    bare = [{"seed": s, "metrics": {"fid": 1.0}} for s in range(5)]
    assert (
        claims._ceiling_split({"aae_learned_prior": bare, "aae": bare}, "mnist5k")["gap_fid"]["test"]["p_value"] is None
    )


def test_the_arms_reading_says_whether_any_run_learned_the_mixture(board):
    """readme_section.reading: an arm in which no run puts LEARNED_HQ % of its points near a mode is
    read as comparing generators whose critics stopped; otherwise each model's hq is split between
    the seeds whose saved critic is constant at the end and those where it lives."""
    readme_section = board.readme_section

    def critic(spread):
        return {"score_real_range": spread, "score_fake_range": spread / 2}

    flat, alive = critic(1e-7), critic(0.5)
    stopped = readme_section.reading(
        {"gan": {"0": flat, "1": alive}, "masked_gan": {"0": flat}},
        {("gan", "0"): 2.0, ("gan", "1"): 3.5, ("masked_gan", "0"): 1.0},
    )
    assert stopped.startswith("no run learned the mixture (hq ≤ 3.5 % in all 3; 2 of 3 saved critics constant")
    learned = readme_section.reading(
        {
            "gan": {"0": alive, "1": alive},
            "masked_gan": {"0": flat, "1": alive, "2": flat},
            "weighted_gan": {"0": flat},
        },
        {
            ("gan", "0"): 98.2,
            ("gan", "1"): 99.1,
            ("masked_gan", "0"): 5.3,
            ("masked_gan", "1"): 90.7,
            ("masked_gan", "2"): 16.6,
            ("weighted_gan", "0"): 40.0,
        },
    )
    assert learned == (
        "gan's critic lives in every seed (hq 98–99 %); masked_gan's hq is 5–17 % in the 2 seeds whose critic is "
        "constant at the end, 91 % in the 1 where it lives; weighted_gan's critic is constant at the end in every "
        "seed (hq 40 %)"
    )


def test_the_arms_critics_are_listed_by_model_with_their_seeds_grouped(board):
    """readme_section.critics: constant and living critics named per model, consecutive seeds as a range."""
    readme_section = board.readme_section

    flat = {"score_real_range": 1e-7, "score_fake_range": 0.0}
    alive = {"score_real_range": 0.5, "score_fake_range": 0.2}
    block = {
        "gan": {str(s): flat for s in range(5)},
        "masked_gan": {"0": flat, "1": alive, "2": flat, "3": flat},
        "weighted_gan": {"0": alive},
    }
    assert readme_section.critics(block) == (
        "constant at the end in gan (seeds 0–4) and masked_gan (seeds 0, 2, 3); "
        "alive in masked_gan (seed 1) and weighted_gan (seed 0)"
    )
    assert readme_section.critics({"gan": {"1": alive, "0": alive}}) == (
        "every saved critic still separates points (gan (seeds 0–1))"
    )


def test_the_arms_seed_sentence_says_complete_only_when_every_model_has_a_verdicts_seeds(board):
    """readme_section.arm_seeds: "planned … so far" with per-arm counts until every model of both
    arms has claims.MIN_SEEDS seeds; reference rows do not count."""
    claims, readme_section = board.claims, board.readme_section

    n = claims.MIN_SEEDS
    full = {"gan": {"seeds": n}, "masked_gan": {"seeds": n}, "ref:real_data": {"seeds": 1}}
    short = {"gan": {"seeds": n}, "masked_gan": {"seeds": n - 1}}
    assert readme_section.arm_seeds({"a": full, "b": full}).startswith(f"Every model has {n} seeds in both arms (")
    partial = readme_section.arm_seeds({"a": full, "b": short})
    assert partial.startswith(f"{n} seeds per model are planned (")
    assert partial.endswith(
        f"so far `a` ({n} seeds: gan, masked_gan) and `b` ({n} seeds: gan; {n - 1} seeds: masked_gan)"
    )
    assert readme_section.seeds_per_row(full) == str(n)  # the reference row's 1 is not a model's
    assert readme_section.seeds_per_row(full, short) == f"{n - 1}–{n}"
