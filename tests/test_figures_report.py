"""Run figures (chosen from model capabilities), `lpbench sample`, and the HTML report in a real browser."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from lpbench import DataSplit, Model, ModelConfig, hookimpl
from lpbench.plugins import get_plugins
from lpbench.run_figures import farthest_prior_samples, make_run_figures, singular_values
from lpbench.testing import read_json

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One real run with every capability (the VAE encodes, decodes and samples its prior)."""
    from lpbench.cli import main

    root = tmp_path_factory.mktemp("digits")
    old = os.environ.get("LPBENCH_CACHE")
    os.environ["LPBENCH_CACHE"] = str(root / "cache")
    try:
        res = CliRunner().invoke(
            main,
            [
                "run",
                "--models",
                "vae",
                "--dataset",
                "digits",
                "--budget",
                "smoke",
                "--runs-dir",
                str(root / "runs"),
                "-q",
            ],
            catch_exceptions=False,
        )
    finally:
        os.environ.pop("LPBENCH_CACHE") if old is None else os.environ.__setitem__("LPBENCH_CACHE", old)
    assert res.exit_code == 0, res.output
    return root / "runs"


def _png(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.slow
def test_an_autoencoder_run_gets_every_latent_figure(digits_run):
    folder = digits_run / "digits/smoke/vae/seed0"
    rec = read_json(folder / "run.json")
    assert "figure_errors" not in rec
    expected = {
        "samples",
        "curves_plot",
        "latent_tsne",
        "singular_values",
        "prior_disagreement",
        "interpolations",
        "reconstructions",
        "nearest_neighbours",
        "prd_plot",
    }
    assert expected <= set(rec["artifacts"])
    assert "density" not in rec["artifacts"]  # 2-D data only
    for name in expected:
        img = _png(folder / rec["artifacts"][name])
        assert img.shape[0] > 30 and img.std() > 5, name  # drawn, not blank
    assert rec["timings"]["figures_s"] > 0


@pytest.mark.slow
def test_image_grids_are_enlarged_by_whole_pixels(digits_run):
    """An 8×8 digit is drawn as k×k blocks of one colour (nearest-neighbour, integer k ≥ 4), so
    the samples are large enough to see and no pixel is smeared."""
    from lpbench.run_figures import grid_scale

    img = _png(digits_run / "digits/smoke/vae/seed0/interpolations.png")
    k = grid_scale(10 * 9 + 1)  # 10 digits of 8 px per row, 1-px padding
    assert k >= 4 and img.shape[1] >= (10 * 9 + 1) * k
    rows = img[:, :, 0].astype(int)
    # along every drawn row, colours change only at multiples of k from the grid's left edge
    runs = [np.diff(np.flatnonzero(np.diff(r) != 0)) for r in rows if len(np.unique(r)) > 2]
    widths = np.concatenate([w for w in runs if len(w)])
    assert np.median(widths) >= k and (widths[widths < 40] % k == 0).mean() > 0.9


def test_nearest_training_neighbours_find_a_copy():
    from lpbench.run_figures import nearest_training_images

    g = torch.Generator().manual_seed(0)
    train = torch.rand(50, 1, 8, 8, generator=g)
    samples = torch.cat([train[[7, 21]], torch.rand(1, 1, 8, 8, generator=g)])
    idx, dist = nearest_training_images(samples, train, 2)
    assert list(idx[:2, 0]) == [7, 21] and dist[:2, 0] == pytest.approx([0, 0], abs=1e-6)
    assert dist[2, 0] > 0.5  # a fresh image is far from every training image


# ----------------------------------------------------------------- capabilities decide the figures


class _Points(Model):
    """A fixed linear decoder on 2-D data: cheap, and its reversal has an exact answer."""

    name = "linear_points"
    description = "decode(z) = zA + b"
    A = torch.tensor([[1.5, 0.2], [-0.3, 1.0]])

    def decode(self, z):
        return z @ self.A + 0.5

    def sample_prior(self, n, generator):
        return torch.randn(n, 2, generator=generator)

    def sample(self, n, generator):
        return self.decode(self.sample_prior(n, generator))


class _DecoderOnly(_Points):
    pass


class _NoLatent(Model):
    name = "no_latent"

    def sample(self, n, generator):
        return torch.randn(n, 2, generator=generator)


class _BrokenDecoder(_Points):
    def encode(self, x):
        return (x - 0.5) @ torch.linalg.inv(self.A)

    def decode(self, z):
        if len(z) == 20:  # the prior–data-disagreement figure decodes its 20 farthest samples
            raise RuntimeError("decoder exploded")
        return super().decode(z)


def _points_setup(model_cls):
    cfg = ModelConfig({}, {}, 2, "points", (2,))
    model = model_cls(cfg)
    g = torch.Generator().manual_seed(0)
    test = DataSplit(
        torch.randn(400, 2, generator=g), torch.randint(0, 3, (400,), generator=g), "points", "toy", "test"
    )
    samples = torch.randn(300, 2, generator=g)
    return model, test, samples


@pytest.mark.slow
def test_figures_follow_capabilities(tmp_path):
    curves = [{"step": s, "loss": 1.0 / (s + 1), "rec": 0.5} for s in range(0, 50, 10)]
    model, test, samples = _points_setup(_DecoderOnly)
    arts, errors = make_run_figures(
        model, kind="points", samples=samples, reference=test.x[:300], test=test, folder=tmp_path, seed=0, curves=curves
    )
    assert errors == {}
    # a decoder-only model (a GAN) gets its latent figures from reversed codes
    assert set(arts) == {"curves_plot", "density", "latent_tsne", "singular_values", "prior_disagreement"}
    for f in arts.values():
        assert _png(tmp_path / f).std() > 5

    model, test, samples = _points_setup(_NoLatent)
    arts, errors = make_run_figures(
        model, kind="points", samples=samples, reference=test.x, test=test, folder=tmp_path / "b", seed=0, curves=[]
    )
    assert errors == {} and set(arts) == {"density"}  # no curves logged, no latent space


def test_a_failing_figure_is_isolated(tmp_path):
    model, test, samples = _points_setup(_BrokenDecoder)
    arts, errors = make_run_figures(
        model, kind="points", samples=samples, reference=test.x, test=test, folder=tmp_path, seed=0, curves=[]
    )
    assert set(errors) == {"prior_disagreement"} and "decoder exploded" in errors["prior_disagreement"]
    assert {"density", "latent_tsne", "singular_values"} <= set(arts)


def test_latent_helpers():
    z = np.random.default_rng(0).normal(size=(4000, 3)) * np.array([3.0, 1.0, 0.5])
    assert singular_values(z) == pytest.approx([3.0, 1.0, 0.5], rel=0.05)
    codes = np.zeros((10, 2))
    prior = np.array([[0.0, 0.1], [5.0, 0.0], [0.0, -2.0], [0.3, 0.0]])
    idx, dist = farthest_prior_samples(codes, prior, 2)
    assert list(idx) == [1, 2] and dist == pytest.approx([5.0, 2.0])


class _FailsInFigures(Model):
    name = "figure_breaker"
    description = "fine samples; its encoder raises, which only the figures use"

    def fit(self, data, budget, ctx):
        ctx.end_step(0, loss=1.0, force=True)

    def sample(self, n, generator):
        return torch.randn(n, 2, generator=generator) * 0.1

    def encode(self, x):
        raise RuntimeError("encoder exploded")

    def decode(self, z):
        return z

    def sample_prior(self, n, generator):
        return torch.randn(n, 2, generator=generator)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class _Register:
    @hookimpl
    def register_models(self, register):
        register(_FailsInFigures)


@pytest.mark.slow
def test_a_failing_figure_never_fails_the_run(cli, tmp_path):
    get_plugins().register(_Register(), "figure-breaker")
    try:
        res = cli(
            "run",
            "--models",
            "figure_breaker",
            "--dataset",
            "eight_gaussians",
            "--budget",
            "smoke",
            "--runs-dir",
            tmp_path,
            "-q",
        )
    finally:
        get_plugins().unregister("figure-breaker")
    assert res.exit_code == 0, res.output
    rec = read_json(tmp_path / "eight_gaussians/smoke/figure_breaker/seed0/run.json")
    assert rec["status"] == "completed" and rec["metrics"]["emd"] > 0
    assert "encoder exploded" in rec["figure_errors"]["latent_tsne"]
    assert {"samples", "density", "curves_plot"} <= set(rec["artifacts"])


# ----------------------------------------------------------------------------------- lpbench sample


@pytest.mark.slow
def test_sample_draws_new_samples_from_a_saved_run(cli, digits_run, tmp_path):
    folder = digits_run / "digits/smoke/vae/seed0"
    res = cli("sample", folder, "-n", 16, "--out", tmp_path / "grid.png")
    assert res.exit_code == 0, res.output
    assert _png(tmp_path / "grid.png").shape[:2] == (4 * 9 + 1, 4 * 9 + 1)  # 4×4 grid of 8×8, 1-px padding
    for name in ("a.npy", "b.npy"):
        assert cli("sample", folder, "-n", 5, "--seed", 3, "--out", tmp_path / name).exit_code == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (5, 1, 8, 8) and np.array_equal(a, b) and 0 <= a.min() and a.max() <= 1
    res = cli("sample", folder, "--out", tmp_path / "x.jpg")
    assert res.exit_code == 2 and ".png or .npy" in res.output
    res = cli("sample", tmp_path, "--out", tmp_path / "x.png")
    assert res.exit_code == 2 and "no run.json" in res.output


# ------------------------------------------------------------------------------------- the report


def _report_runs(digits_run, tmp_path) -> Path:
    """The real run, two more seeds sharing its files (three seeds: the row is ranked, so the
    chart draws it in a rank colour, stats.RANK_MIN_SEEDS), a failed run whose error holds markup,
    and PRD curves saved by two runs."""
    runs = tmp_path / "runs"
    shutil.copytree(digits_run, runs)
    seed0 = runs / "digits/smoke/vae/seed0"
    seed1 = runs / "digits/smoke/vae/seed1"
    for seed in (1, 2):
        folder = runs / f"digits/smoke/vae/seed{seed}"
        shutil.copytree(seed0, folder)
        rec = read_json(folder / "run.json")
        rec["seed"], rec["metrics"]["emd"] = seed, rec["metrics"]["emd"] * (1 + 0.1 * seed)
        (folder / "run.json").write_text(json.dumps(rec))
    failed = runs / "digits/smoke/evil/seed0"
    failed.mkdir(parents=True)
    (failed / "run.json").write_text(
        json.dumps(
            {
                "model": "evil",
                "dataset": "digits",
                "budget": "smoke",
                "seed": 0,
                "status": "failed",
                "error": "<script>document.title='pwned'</script> & <b>bold</b>",
                "metrics": {},
                "artifacts": {"samples": "samples.png"},  # named but never written: nothing to embed
            }
        )
    )
    sneaky = runs / "digits/smoke/sneaky/seed0"
    sneaky.mkdir(parents=True)
    (sneaky / "run.json").write_text(
        json.dumps(
            {
                "model": "sneaky",
                "dataset": "digits",
                "budget": "smoke",
                "seed": 0,
                "status": "failed",
                "error": "x",
                "metrics": {},
                "artifacts": {"samples": "../../vae/seed0/samples.png"},  # outside its folder
            }
        )
    )
    for i, folder in enumerate((seed0, seed1)):
        recall = np.linspace(0, 1, 50)
        (folder / "prd_curve.json").write_text(
            json.dumps({"precision": list(np.clip(1 - recall ** (2 + i), 0, 1)), "recall": list(recall)})
        )
    return runs


@pytest.mark.slow
def test_report_is_self_contained_and_escaped(cli, digits_run, tmp_path):
    runs = _report_runs(digits_run, tmp_path)
    out = tmp_path / "report.html"
    with pytest.warns(UserWarning, match="sneaky.*outside|sneaky.*expected a file name in the run folder"):
        res = cli("report", "--runs-dir", runs, "--out", out)
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "sneaky" not in page  # a record naming a file outside its folder is not shown at all
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from a network
    srcs = [s.split('"', 1)[0] for s in page.split('src="')[1:]]
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    n_figs = len(read_json(runs / "digits/smoke/vae/seed0/run.json")["artifacts"]) - 2  # minus model, curves
    # three runs' figures, the primary-metric chart, one gallery card and one PRD plot for vae
    # (the two seeds with curves on it); none for "evil"
    assert len(srcs) == 3 * n_figs + 3
    assert page.count('class="prd"') == 1 and page.count('class="chart"') == 1
    # every figure of the page names what it shows: model, dataset, budget, seed(s)
    alts = [a.split('"', 1)[0] for a in page.split('<img alt="')[1:]]
    assert all("digits" in a and "smoke" in a for a in alts), alts
    assert "samples of vae, digits / smoke, seed 0" in alts
    res = cli("report", "--runs-dir", tmp_path / "nope", "--out", out)
    assert res.exit_code == 2 and "does not exist" in res.output


@pytest.mark.slow
def test_report_embeds_only_the_figures_asked_for(cli, digits_run, tmp_path):
    """--figures: each run's section embeds those figures only (a published report takes the
    ones a clean checkout has, whatever else a live runs directory holds); the gallery stays."""
    out = tmp_path / "report.html"
    res = cli("report", "--runs-dir", digits_run, "--out", out, "--figures", "samples,curves_plot")
    assert res.exit_code == 0, res.output
    alts = [a.split('"', 1)[0] for a in out.read_text().split('<img alt="')[1:]]
    per_run = {a.split(": ", 1)[0] for a in alts if ": " in a}  # "<figure name>: <run title>"
    assert per_run == {"curves_plot", "samples"}, alts
    assert "samples of vae, digits / smoke, seed 0" in alts  # the gallery
    res = cli("report", "--runs-dir", digits_run, "--out", out, "--figures", "samples,tsne")
    assert res.exit_code == 2 and "Unknown figure 'tsne'" in res.output and "latent_tsne" in res.output


@pytest.mark.slow
def test_report_without_prd_curves_skips_the_plot(cli, digits_run, tmp_path):
    import shutil

    runs = tmp_path / "runs"
    shutil.copytree(digits_run, runs)
    for f in runs.rglob("prd_curve.json"):  # runs evaluated without the prd metric
        f.unlink()
    res = cli("report", "--runs-dir", runs, "--out", tmp_path / "r.html")
    assert res.exit_code == 0
    assert 'class="prd"' not in (tmp_path / "r.html").read_text()


def test_a_small_sample_grid_is_enlarged_by_whole_pixels():
    import io

    from lpbench.report import SAMPLES_MIN_PX, enlarged

    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (73, 73, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(small).save(buf, format="PNG")
    png, grown = enlarged(buf.getvalue())
    big = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    k = big.shape[0] // 73
    assert grown and big.shape[0] >= SAMPLES_MIN_PX and big.shape == (73 * k, 73 * k, 3)
    assert np.array_equal(big[::k, ::k], small) and np.array_equal(big[k - 1 :: k, k - 1 :: k], small)  # k×k blocks
    plot = np.zeros((400, 500, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(plot).save(buf, format="PNG")
    assert enlarged(buf.getvalue()) == (buf.getvalue(), False)  # a plot is left as drawn


def _chromium(*args, tmp_path):
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(cli, digits_run, tmp_path):
    runs = _report_runs(digits_run, tmp_path)
    out = tmp_path / "report.html"
    assert cli("report", "--runs-dir", runs, "--out", out).exit_code == 0
    # Loaded images have a natural width: a script that lists them proves they decoded.
    probe = tmp_path / "probe.html"
    page = out.read_text()
    check = (
        "<script>window.addEventListener('load', () => { const imgs = [...document.images];"
        "document.body.setAttribute('data-images', imgs.length);"
        "document.body.setAttribute('data-decoded', imgs.filter(i => i.complete && i.naturalWidth > 0).length);"
        "document.body.setAttribute('data-tables', document.querySelectorAll('table').length);"
        "document.body.setAttribute('data-title', document.title);"
        # layout at 1400 px: nothing wider than the window, sample cards large enough to see
        "document.body.setAttribute('data-overflow', document.documentElement.scrollWidth - window.innerWidth);"
        "const g = [...document.querySelectorAll('.gallery img')].map(i => i.getBoundingClientRect().width);"
        "document.body.setAttribute('data-gallery', g.length ? Math.min(...g) : 0);"
        # where each image sits, to find it in the screenshot below
        "document.body.setAttribute('data-rects', JSON.stringify(imgs.map(i => { const r = i.getBoundingClientRect();"
        "return [i.alt, Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)]; })));"
        " });</script>"
    )
    # the report's own policy forbids scripts; the probe copy allows only this inline one
    probe.write_text(
        page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';").replace(
            "</body>", check + "</body>"
        )
    )
    dom = _chromium(
        "--window-size=1400,1000", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(), tmp_path=tmp_path
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    n_imgs = page.count("<img ")
    assert f'data-images="{n_imgs}"' in html and f'data-decoded="{n_imgs}"' in html, html[-500:]
    assert 'data-title="lpbench report"' in html  # the run record's markup never executed
    assert int(html.split('data-tables="')[1].split('"')[0]) >= 3  # leaderboard + per-run metric tables
    assert "leaderboard" in html and "&lt;script&gt;" in html
    assert int(html.split('data-overflow="')[1].split('"')[0]) <= 0  # no sideways scrolling at 1400 px
    assert float(html.split('data-gallery="')[1].split('"')[0]) >= 300  # an 8×8 digit ≥ 4 screen px per pixel

    # And the real page, pixels: every image on the first screen drew where the layout put it.
    shot = tmp_path / "shot.png"
    res = _chromium("--window-size=1400,1800", f"--screenshot={shot}", out.as_uri(), tmp_path=tmp_path)
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    img = _png(shot).astype(float)
    assert img.shape[:2] == (1800, 1400)
    import html as html_lib

    rects = json.loads(html_lib.unescape(html.split('data-rects="')[1].split('"')[0]))
    seen = [(alt, x, y, w, h) for alt, x, y, w, h in rects if y >= 0 and y + h <= 1800 and w > 0]
    kinds = {alt.split(" ")[0] for alt, *_ in seen}
    assert {"fid", "samples", "PRD"} <= kinds, kinds  # chart, gallery and PRD plots are on the first screen
    for alt, x, y, w, h in seen:
        box = img[y + 2 : y + h - 2, x + 2 : x + w - 2]
        assert box.std() > 20 and len(np.unique(box.reshape(-1, 3), axis=0)) > 8, alt  # not blank
        if alt.startswith(("fid", "PRD")):  # the data are coloured marks; frame, grid and text are grey
            assert (box.std(axis=2) > 30).sum() > 100, alt
        if alt.startswith("samples"):  # the sample grid fills its card: digits, not a thumbnail
            assert (box.mean(axis=2) < 200).mean() > 0.3, alt


def test_a_saved_prd_curve_gets_its_own_figure(tmp_path):
    model, test, samples = _points_setup(_NoLatent)
    r = np.linspace(0, 1, 30)
    (tmp_path / "prd_curve.json").write_text(json.dumps({"precision": list(1 - r**2), "recall": list(r)}))
    arts, errors = make_run_figures(
        model, kind="points", samples=samples, reference=test.x, test=test, folder=tmp_path, seed=0, curves=[]
    )
    assert errors == {} and arts["prd_plot"] == "prd_curve.png"
    (tmp_path / "prd_curve.json").write_text(json.dumps({"precision": [1.0, 0.5], "recall": [0.1]}))
    arts, errors = make_run_figures(
        model, kind="points", samples=samples, reference=test.x, test=test, folder=tmp_path, seed=0, curves=[]
    )
    assert "prd_plot" not in arts and errors == {}  # a malformed file is skipped with a warning
