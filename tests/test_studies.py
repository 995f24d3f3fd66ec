"""Studies under studies/ publish numbers computed from committed run records: each analysis must
reproduce its committed results and its docs block exactly (as the published leaderboard is checked)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _study(rel: str):
    """A study script (studies/<rel>) imported as a module, as its tests call it."""
    import importlib.util

    path = ROOT / "studies" / rel
    spec = importlib.util.spec_from_file_location(path.stem, path)
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    return study


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(p.relative_to(ROOT) for p in (ROOT / "studies").glob("*/analyze.py")))
def test_study_results_match_its_records(script):
    res = subprocess.run([sys.executable, str(ROOT / script), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def test_code_collapse_measures_the_codes_of_trained_glf_runs(cli, tmp_path):
    """studies/glf_ordering/code_collapse.py (docs/models.md, "glf_regularized: the codes
    collapse") reads trained glf and glf_regularized runs: per seed the held-out codes' principal
    standard deviations, their participation ratio, reconstruction error and flow NLL."""
    import json

    runs = tmp_path / "runs"
    res = cli(
        "run",
        "--models",
        "glf,glf_regularized",
        "--dataset",
        "digits",
        "--budget",
        "smoke",
        "--metrics",
        "emd",
        "--runs-dir",
        runs,
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    study = _study("glf_ordering/code_collapse.py")
    out_file = tmp_path / "code_collapse.json"
    study.main(runs / "digits" / "smoke", out_file)
    out = json.loads(out_file.read_text())
    for model in ("glf", "glf_regularized"):
        r = out["per_seed"][model]["seed0"]
        sd = r["principal_sd"]
        assert len(sd) == 10 and sd == sorted(sd, reverse=True) and r["n_codes"] == 360
        lam = [v * v for v in sd]
        assert r["participation_ratio"] == pytest.approx(sum(lam) ** 2 / sum(v * v for v in lam), rel=1e-6)
        assert 1 <= r["participation_ratio"] <= 10 and r["reconstruction_sse"] > 0
    # one seed per model: a summary, but no test
    assert out["glf_regularized_vs_glf"]["participation_ratio"]["p_value"] is None


def test_rae_decoder_l2_compares_the_two_decay_rules_seed_by_seed(cli, tmp_path):
    """studies/glf_ordering/rae_decoder_l2.py (docs/fidelity.md, rae) reads rae_gmm runs under
    both decoder_decay rules: FIDs from the records, paired by seed, and from the weights the
    penalty's parts and how often the decay's gradient outweighs the reconstruction's."""
    import json

    dirs = {}
    for decay in ("all", "deconv_kernels"):
        dirs[decay] = tmp_path / decay
        args = ("--models", "rae_gmm", "--set", f"rae.decoder_decay={decay}", "--dataset", "digits")
        args += ("--budget", "smoke", "--seeds", "0,1", "--metrics", "fid", "--runs-dir", dirs[decay], "--quiet")
        res = cli("run", *args)
        assert res.exit_code == 0, res.output
    study = _study("glf_ordering/rae_decoder_l2.py")
    out_file = tmp_path / "rae_decoder_l2.json"
    study.main(dirs["all"] / "digits" / "smoke", dirs["deconv_kernels"] / "digits" / "smoke", out_file)
    out = json.loads(out_file.read_text())
    assert out["seeds_compared"] == ["seed0", "seed1"]
    for decay in ("all", "deconv_kernels"):
        for seed in ("seed0", "seed1"):
            r = out["arms"][decay]["per_seed"][seed]
            gmm = json.loads((dirs[decay] / "digits/smoke/rae" / seed / "priors/gmm/run.json").read_text())
            assert r["gmm_fid"] == gmm["metrics"]["fid"]
            assert 0 < r["penalty_kernels"] < r["penalty_all"] and 0 <= r["decay_outweighs_reconstruction_share"] <= 1
    c = out["deconv_kernels_vs_all"]["gmm_fid"]
    a, b = (out["arms"][d]["per_seed"] for d in ("deconv_kernels", "all"))
    assert c["test"] == "paired t-test (by seed)"
    assert c["mean_diff"] == pytest.approx(sum(a[s]["gmm_fid"] - b[s]["gmm_fid"] for s in a) / 2)


def _ns_smoke_runs(cli, tmp_path, models: str):
    """Smoke runs of the models on eight Gaussians at the paper's scale on the ns path."""
    runs = tmp_path / "runs"
    res = cli(
        *("run", "--models", models, "--dataset", "eight_gaussians", "--budget", "smoke"),
        *("--set", "*.loss=ns", "--set", "data.radius=0.8", "--set", "architecture.decoder_output=tanh"),
        *("--metrics", "emd", "--runs-dir", runs, "--threads", "1", "--quiet"),
    )
    assert res.exit_code == 0, res.output
    return runs


def _critic_saturation():
    return _study("masked_weighted_emd/critic_saturation.py")


def test_critic_saturation_replays_a_run_exactly_and_splits_the_masking(cli, tmp_path):
    """studies/masked_weighted_emd/critic_saturation.py rebuilds gan and masked_gan runs from their
    run.json and replays their training with the critic measured: the faithful variants' d_loss
    must equal the record's curves step for step, and the split variants differ from both."""
    import json

    runs = _ns_smoke_runs(cli, tmp_path, "gan,masked_gan")
    study = _critic_saturation()
    out_file = tmp_path / "cs.json"
    table = runs / "eight_gaussians" / "smoke"
    args = ["--steps", "40", "--every", "10", "--release", "20", "--runs", str(table), "--out", str(out_file)]
    assert study.main(args) == 0
    out = json.loads(out_file.read_text())["variants"]
    for v in ("gan", "masked"):
        assert out[v]["max_abs_d_loss_diff_vs_record"] == 0.0
        # the replay stops where the smoke run stopped, so the run's saved generator is the replay's
        assert out[v]["recorded_steps"] == 40 and out[v]["fakes_moved_after_replay"] < 1e-6
    assert out["masked_critic"]["fakes_moved_after_replay"] is None  # not a recorded run
    rows = {v: out[v]["probe"] for v in out}
    assert [r["step"] for r in rows["masked"]] == [0, 9, 19, 29, 39]
    assert all(len(r["saturated"]) == 3 and len(r["spread"]) == 3 for r in rows["masked"])  # Table 1: three tanh layers
    assert rows["masked"][0]["fakes_moved"] is None and all(r["fakes_moved"] > 0 for r in rows["masked"][1:])
    assert all(r["critic_grad_masked"] > 0 and r["critic_grad_plain"] > 0 for r in rows["gan"])
    last = {v: rows[v][-1]["d_loss"] for v in rows}
    assert len(set(last.values())) == 5  # five different trainings
    # masked_released is masked_gan's training until --release, its critic's fakes plain after it
    before = [r for r in rows["masked_released"] if r["step"] < 20]
    assert before == rows["masked"][: len(before)] and rows["masked_released"][-1] != rows["masked"][-1]
    assert study.main(["--variants", "masked,nope", "--runs", str(table), "--out", str(out_file)]) == 2


def test_critic_gradients_output_alignment_has_the_sign_of_fakes_minus_reals(cli, tmp_path):
    """critic_saturation.critic_gradients: for D = w·h + b and the ns loss, w·∇_w L equals
    −E_real σ(−D)(D − b) + E_fakes σ(D)(D − b) — computed here from D's outputs alone, without
    autograd — so the reported cosine must have its sign, for the masked and the plain batch; and
    the batches' mean probabilities are D's on the top half and on the first half of the codes."""
    import torch

    from lpbench.runner import untrained_run

    runs = _ns_smoke_runs(cli, tmp_path, "masked_gan")
    study = _critic_saturation()
    model, _, test, _, _ = untrained_run(runs / "eight_gaussians/smoke/masked_gan/seed0")
    model.G.eval(), model.D.eval()
    g = torch.Generator().manual_seed(3)
    real = test.x[torch.randperm(len(test), generator=g)[:1000]]
    z = model.base_prior(1000, g)
    out = study.critic_gradients(model, real, z, rate=0.5)
    b = study._output_layer(model).bias
    with torch.no_grad():
        s = model.scores(z)
        batches = {"masked": z[torch.argsort(s, descending=True)[:500]], "plain": z[:500]}
        d_real = model.D(real[:500]).flatten()
        for name, codes in batches.items():
            d_fake = model.D(model.G(codes)).flatten()
            w_dot_grad = float(
                -(torch.sigmoid(-d_real) * (d_real - b)).mean() + (torch.sigmoid(d_fake) * (d_fake - b)).mean()
            )
            assert abs(w_dot_grad) > 1e-6
            assert (out[f"out_align_{name}"] > 0) == (w_dot_grad > 0), (name, out, w_dot_grad)
            assert out[f"p_fake_{name}"] == pytest.approx(float(d_fake.sigmoid().mean()), abs=1e-5)
    assert out["p_fake_masked"] >= out["p_fake_plain"]  # the top half by D's own score


def test_masked_weighted_analysis_says_where_the_generated_points_lie(cli, tmp_path, monkeypatch):
    """analyze.py's per-run block reads where a saved generator's points lie — their mean distance
    from the centre and their mean point's — on the points the runner scores (its sampling seed):
    with the generator made to return half its points at (0.6, 0) and half at (0, 0.8), those are
    0.7 and ‖(0.3, 0.4)‖ = 0.5."""
    import torch

    import lpbench.runner

    runs = _ns_smoke_runs(cli, tmp_path, "gan")
    (runs / "eight_gaussians/smoke").rename(runs / "eight_gaussians/paper")  # the study reads the paper budget
    load_model, seeds = lpbench.runner.load_model, []

    def two_points(folder):
        model, rec = load_model(folder)

        def sample(n, generator):
            seeds.append(generator.initial_seed())
            return torch.tensor([[0.6, 0.0], [0.0, 0.8]]).repeat_interleave(n // 2, dim=0)

        model.sample = sample
        return model, rec

    monkeypatch.setattr(lpbench.runner, "load_model", two_points)
    c = _study("masked_weighted_emd/analyze.py")._critic_signal(runs, "gan")["0"]
    assert seeds == [10_000]  # the runner's sampling seed for seed 0
    assert c["mode_radius"] == 0.8
    assert c["sample_radius_mean"] == pytest.approx(0.7)
    assert c["sample_radius_std"] == pytest.approx(0.1, rel=0.01)
    assert c["sample_centroid_norm"] == pytest.approx(0.5)


def _publish_module():
    return _study("publish.py")


def test_published_numbers_are_stable_across_float_rounding_but_not_across_a_changed_result(tmp_path, capsys):
    """studies/publish.py: a number recomputed from saved weights on a machine whose float
    arithmetic differs (2·10⁻⁷ relative, session 12) keeps its committed value, so --check passes
    and a rewrite changes nothing; a number that moved is written and fails --check."""
    pub = _publish_module()
    fresh = {"arms": {0: {"score": 0.4984652698, "spread": 5.96e-08, "n": 1000}}, "pair": (0.3422180123, "x")}
    committed = {"arms": {"0": {"score": 0.4984652102, "spread": 1.19e-07, "n": 1000}}, "pair": [0.3422180105, "x"]}
    s = pub.stabilized(fresh, committed)
    assert s["arms"][0] == {"score": 0.4984652102, "spread": 1.19e-07, "n": 1000}  # int key and tuple kept
    assert s["pair"] == (0.3422180105, "x")
    assert pub.stabilized({"emd": 0.3471}, {"emd": 0.3472})["emd"] == 0.3471  # a changed result stays changed

    page = tmp_path / "models.md"
    begin, end = pub.markers("study")
    page.write_text(f"intro\n{begin}old\n{end}outro\n")
    pub.PAGE = page
    folder = tmp_path / "study"
    folder.mkdir()

    def render(res):
        return f"score {res['score']:.10f}\n"

    assert pub.publish(folder, {"score": 0.4984652102}, render, []) == 0
    written = {p: p.read_text() for p in (folder / "results.json", folder / "results.md", page)}
    assert "score 0.4984652102" in written[page]
    assert pub.publish(folder, {"score": 0.4984652698}, render, ["--check"]) == 0  # float rounding
    assert pub.publish(folder, {"score": 0.4984652698}, render, []) == 0
    assert {p: p.read_text() for p in written} == written  # nothing rewritten
    assert pub.publish(folder, {"score": 0.4985}, render, ["--check"]) == 1  # a moved result
    assert "stale" in capsys.readouterr().out


def _two_stage_replay():
    return _study("two_stage_vae_collapse/replay.py")


def test_two_stage_replay_is_the_run_and_freezes_gamma_where_it_says(cli, tmp_path):
    """studies/two_stage_vae_collapse/replay.py: its learned-γ variant must be the recorded first
    stage step for step; the frozen variants hold γ at 0.8σ and 1.2σ of the data's largest
    per-direction standard deviation; a run folder without a record is a clear error."""
    import json
    import math

    runs = tmp_path / "runs"
    res = cli(
        *("run", "--models", "two_stage_vae", "--dataset", "eight_gaussians", "--budget", "smoke"),
        *("--set", "data.radius=0.8", "--set", "architecture.decoder_output=tanh"),
        *("--metrics", "emd", "--runs-dir", runs, "--threads", "1", "--quiet"),
    )
    assert res.exit_code == 0, res.output
    folder = runs / "eight_gaussians" / "smoke" / "two_stage_vae"
    study = _two_stage_replay()
    out_file = tmp_path / "replay.json"
    assert (
        study.main(["--steps", "30", "--every", "10", "--seeds", "0", "--runs", str(folder), "--out", str(out_file)])
        == 0
    )
    seed = json.loads(out_file.read_text())["seeds"]["0"]
    rec = seed["records"]
    assert rec["data_max_direction_variance"] == pytest.approx(0.32, rel=0.1)  # radius 0.8: 0.8²/2 per axis
    assert rec["sigma"] == pytest.approx(math.sqrt(rec["data_max_direction_variance"]))
    assert 0 < rec["min_gamma_adam_bound"] < 1 and rec["min_gamma_adam_bound"] <= rec["gamma_end"]
    replays = seed["replays"]
    assert replays["learned"]["max_abs_kl_diff_vs_record"] == 0.0
    for variant, factor in (("below", 0.8), ("above", 1.2)):
        gammas = {r["gamma"] for r in replays[variant]["rows"]}
        assert len(gammas) == 1 and gammas.pop() == pytest.approx(factor * rec["sigma"], rel=1e-6)
    assert len({r["gamma"] for r in replays["learned"]["rows"]}) > 1  # learned: γ moves
    assert [r["step"] for r in replays["learned"]["rows"]] == [0, 10, 20, 29]
    assert study.main(["--seeds", "7", "--runs", str(folder), "--out", str(out_file)]) == 2


def test_two_stage_collapse_records_read_as_committed():
    """The published replay.json's record block (what the committed runs' curves say) is what
    replay.py reads from them now."""
    import json

    from lpbench.runner import untrained_run

    study = _two_stage_replay()
    committed = json.loads((ROOT / "studies/two_stage_vae_collapse/replay.json").read_text())
    for seed, entry in committed["seeds"].items():
        folder = study.RUNS / f"seed{seed}"
        _model, train, *_ = untrained_run(folder)
        now = study.from_records(folder, train)
        assert now == pytest.approx(entry["records"], rel=1e-6)


def _glf_regularized_flow():
    return _study("glf_regularized_flow/measure.py")


def test_glf_regularized_flow_redraws_the_scored_samples_in_three_flow_states(cli, tmp_path):
    """studies/glf_regularized_flow/measure.py: in eval mode its samples are the run's scored
    samples (the record's EMD exactly); recalibrated running statistics describe the training codes
    (the test codes' NLL then matches batch statistics'); a folder without weights or a model
    without a flow is a clear error."""
    import json

    runs = tmp_path / "runs"
    res = cli(
        *("run", "--models", "glf_regularized,vae", "--dataset", "eight_gaussians", "--budget", "smoke"),
        *("--set", "data.radius=0.8", "--set", "architecture.decoder_output=tanh"),
        *("--metrics", "emd", "--runs-dir", runs, "--threads", "1", "--quiet"),
    )
    assert res.exit_code == 0, res.output
    folder = runs / "eight_gaussians" / "smoke" / "glf_regularized" / "seed0"
    study = _glf_regularized_flow()
    out_file = tmp_path / "results.json"
    assert study.main([str(folder), "--out", str(out_file)]) == 0
    r = json.loads(out_file.read_text())["runs"][0]
    assert r["model"] == "glf_regularized" and len(r["codes_sd"]) == 2
    states = r["states"]
    assert set(states) == set(study.STATES) and states["eval"]["emd"] == r["record_emd"]
    # the same flow in every state: one log-determinant up to BatchNorm's statistics, and the
    # recalibrated statistics (over all training codes) give the test codes nearly the NLL that
    # batch statistics over the test codes give
    assert states["recalibrated"]["nll"] == pytest.approx(states["train"]["nll"], abs=0.5)
    assert all(len(v["image_sd"]) == 2 and v["emd"] > 0 for v in states.values())
    bn = r["batchnorm"]
    assert bn["layers"] == len(bn["per_layer"]) > 0 and 0 <= bn["below_eps"] <= bn["layers"] and bn["eps"] == 1e-5
    vae = runs / "eight_gaussians" / "smoke" / "vae" / "seed0"
    assert study.main([str(vae), "--out", str(out_file)]) == 2
    (folder / "model.pt").unlink()
    assert study.main([str(folder), "--out", str(out_file)]) == 2


def test_glf_regularized_flow_results_are_the_committed_runs():
    """The published measurements belong to the committed records: each run's redrawn scored
    samples give its record's EMD, and its ceiling is the record's."""
    import json

    committed = json.loads((ROOT / "studies/glf_regularized_flow/results.json").read_text())
    assert {r["model"] for r in committed["runs"]} == {"glf_regularized", "glf"}
    for r in committed["runs"]:
        rec = json.loads(
            (ROOT / "leaderboard/runs/eight_gaussians/paper" / r["model"] / f"seed{r['seed']}" / "run.json").read_text()
        )
        assert r["record_emd"] == rec["metrics"]["emd"] == r["states"]["eval"]["emd"]
        assert r["ceiling_emd"] == rec["ceiling"]["emd"]


def test_glf_regularized_flow_reruns_on_the_committed_weights():
    """A fresh clone reruns the study on the committed weights (leaderboard/.gitignore lets the
    eight-Gaussians glf and glf_regularized model.pt through) and gets the published numbers."""
    import json

    committed = json.loads((ROOT / "studies/glf_regularized_flow/results.json").read_text())
    r = next(r for r in committed["runs"] if r["model"] == "glf_regularized")
    folder = ROOT / "leaderboard/runs/eight_gaussians/paper/glf_regularized" / f"seed{r['seed']}"
    now = _glf_regularized_flow().measure(folder)
    assert now["record_emd"] == r["record_emd"] and now["states"]["eval"]["emd"] == r["record_emd"]
    for state, v in r["states"].items():
        for key in ("nll", "logdet", "emd"):
            assert now["states"][state][key] == pytest.approx(v[key], rel=1e-3, abs=1e-4), (state, key)
        assert now["states"][state]["image_sd"] == pytest.approx(v["image_sd"], rel=1e-3, abs=1e-5)
