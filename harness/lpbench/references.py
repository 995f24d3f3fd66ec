"""Reference rows: what the metrics give for the data itself, for a model that copies its training
set, and for simple baselines — scored by the same metric plugins on the same reference set as a
model's run, so a reader sees where "good" starts. Stored as run records
RUNS_DIR/<dataset>/<budget>/references/<name>/seed<k>/run.json (prior "reference"); the
leaderboard shows them in every table of their dataset and budget, never ranked.

Chosen from the literature on evaluating generative models:

- real_data: held-out real samples against the reference set — the floor of every metric at this
  sample size (FID and KID are biased at finite n: Heusel et al. 2017, Bińkowski et al. 2018),
  one draw per seed, so the table shows its mean and spread over draws.
- memorizer: training items returned as samples. Sample-quality metrics cannot tell copying from
  generalizing (Meehan, Chaudhuri & Dasgupta 2020, "A non-parametric test to detect data-copying";
  Borji 2022, "Pros and cons of GAN evaluation measures: new developments"): it scores at the floor.
- pca_gmm: a 10-component full-covariance Gaussian mixture on PCA codes of the dataset's latent
  dimension — the ex-post GMM of RAE (Ghosh et al. 2020) without a learned encoder; GMMs are strong
  image baselines (Richardson & Weiss 2018, "On GANs and GMMs"). What a learned model must beat.
- pixel_gaussian: one full-covariance Gaussian in data space, the simplest density model (Theis,
  van den Oord & Bethge 2016 use such baselines to show what a metric misses).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from . import records
from .errors import LpbenchError

PRIOR = "reference"  # the leaderboard's prior column for these rows (leaderboard.REFERENCE)
FOLDER = "references"
GMM_COMPONENTS = 10  # as rae_gmm (registry: rae_gmm) and RAE's paper


def _flat(x):
    return x.reshape(len(x), -1).double().numpy()


def _unflat(a, like, clip):
    import numpy as np
    import torch

    if clip:  # images live in [0, 1]; a density model's samples do not
        a = np.clip(a, 0.0, 1.0)
    return torch.as_tensor(a, dtype=torch.float32).reshape(len(a), *like.shape[1:])


def _draw(x, n, seed):
    import torch

    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]
    return x[idx]


def real_data(train, test, n, seed, ctx):
    """Held-out real samples: the reference split's items beyond the reference set where it holds
    2n, else (a split scored whole, like digits' test) a draw from the train split."""
    from .evaluation import held_out_subset

    held = held_out_subset(test, n)
    if held is not None and len(held) >= n:
        ctx["source"] = f"{ctx['reference_split']} split, disjoint from the reference set"
        return _draw(held, n, seed)
    ctx["source"] = (
        "train split (the reference split is scored whole, so real data not in it comes from "
        "train: this row and the memorizer's are then the same procedure)"
    )
    return _draw(train.as_float(train.x), n, seed)


MEMORIZER_STREAM = 1_000_003  # its own draw: where real_data also comes from train, not the same one


def memorizer(train, test, n, seed, ctx):
    """Training items returned as samples, n of them drawn with the seed."""
    ctx["source"] = "train split"
    return _draw(train.as_float(train.x), n, seed + MEMORIZER_STREAM)


def pca_gmm(train, test, n, seed, ctx):
    """A 10-component full-covariance GMM on PCA codes (the dataset's latent dimension) of the
    train split, decoded by the inverse PCA (images clipped to [0, 1])."""
    import numpy as np
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    x = train.as_float(train.x)
    flat = _flat(x)
    d = min(int(ctx["latent_dim"]), flat.shape[1])
    pca = PCA(n_components=d, random_state=seed).fit(flat)
    gmm = GaussianMixture(GMM_COMPONENTS, covariance_type="full", random_state=seed).fit(pca.transform(flat))
    codes, _ = gmm.sample(n)
    codes = np.random.default_rng(seed).permutation(codes)  # GaussianMixture.sample groups by component
    ctx["settings"] = {"pca_components": d, "gmm_components": GMM_COMPONENTS, "covariance": "full"}
    return _unflat(pca.inverse_transform(codes), x, ctx["kind"] == "image")


def pixel_gaussian(train, test, n, seed, ctx):
    """One full-covariance Gaussian fitted to the train split in data space (images clipped to [0, 1])."""
    import numpy as np

    x = train.as_float(train.x)
    flat = _flat(x)
    mean, cov = flat.mean(0), np.cov(flat, rowvar=False)
    a = np.random.default_rng(seed).multivariate_normal(mean, np.atleast_2d(cov), size=n, method="eigh")
    ctx["settings"] = {"covariance": "full", "fitted_on": "train split"}
    return _unflat(a, x, ctx["kind"] == "image")


# name → maker(train, test, n, seed, ctx) → samples; ctx collects what the record states
REFERENCES = {"real_data": real_data, "memorizer": memorizer, "pca_gmm": pca_gmm, "pixel_gaussian": pixel_gaussian}


def folder(runs_dir, dataset, budget, name, seed) -> Path:
    return Path(runs_dir) / dataset / budget / FOLDER / name / f"seed{seed}"


def compute(
    dataset,
    budget,
    seeds,
    runs_dir,
    *,
    registry,
    plugins,
    names=None,
    overrides=None,
    data_root=None,
    extractor_options=None,
    force=False,
    echo=None,
) -> list[dict]:
    """Score every reference × seed with the dataset's default metrics (those that need no
    trained model); completed records are kept unless ``force``. ``overrides`` {"data": {...}}:
    the data settings of the table's runs (--set data.<key>). Returns the records."""
    from .bookkeeping import environment
    from .evaluation import build_metrics, score_samples
    from .runner import listing, samples_digest

    names = list(names or REFERENCES)
    for name in names:
        if name not in REFERENCES:
            from .errors import UnknownNameError

            raise UnknownNameError("reference", name, list(REFERENCES))
    ds = registry.dataset(dataset)
    budget_obj = registry.budget(dataset, budget)
    ds_cls = plugins.get("dataset", dataset)
    settings = registry.data_settings(dataset, plugins, overrides)
    folders = [folder(runs_dir, dataset, budget_obj.name, n, s) for n in names for s in seeds]
    other = records.table_data_differences(runs_dir, dataset, budget_obj.name, settings, skip=folders if force else ())
    if other:
        raise LpbenchError(
            f"{Path(runs_dir) / dataset / budget_obj.name} holds {len(other)} record(s) on other data settings "
            "(the recorded value ≠ these references'):\n  "
            + listing(other)
            + "\nGive the references the table's data settings (--set data.<key>=…), or use another --runs-dir."
        )
    evaluation = ds["evaluation"]
    metric_settings = registry.metric_settings(plugins, budget_obj.name)
    out = []
    for seed in seeds:
        data = ds_cls(settings, data_root=Path(data_root) if data_root else None)
        train, test = data.load("train", seed=seed), data.load(evaluation["reference_split"], seed=seed)
        n = min(budget_obj.eval_samples, len(test))
        for name in names:
            where = folder(runs_dir, dataset, budget_obj.name, name, seed)
            if not force and records.is_completed(where):
                out.append(records.read_record(where))
                continue
            ctx = {
                "kind": ds_cls.kind,
                "latent_dim": ds["latent_dim"],
                "reference_split": evaluation["reference_split"],
            }
            t0 = time.perf_counter()
            samples = REFERENCES[name](train, test, n, seed, ctx)
            make_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            metrics, skipped = build_metrics(plugins, evaluation["metrics"], metric_settings, explicit=False)
            values, provenance, seconds = score_samples(
                plugins,
                samples,
                metrics,
                dataset=dataset,
                seed=seed,
                evaluation=evaluation,
                data_settings=settings,
                data_root=data_root,
                reference_data=test,
                extractor_options=extractor_options,
            )
            rec = {
                "model": name,
                "prior": PRIOR,
                "reference": True,
                "dataset": dataset,
                "budget": budget_obj.name,
                "seed": seed,
                "status": "completed",
                "error": None,
                "metrics": values,
                "metric_provenance": provenance,
                "metrics_skipped": skipped,
                "timings": {"make_s": make_s, "eval_s": time.perf_counter() - t0, "metric_s": seconds},
                "config": {
                    "reference": name,
                    "description": REFERENCES[name].__doc__ or "",
                    "n": n,
                    "source": ctx.get("source"),
                    "settings": ctx.get("settings", {}),
                    "data": settings,
                    "evaluation": evaluation,
                    "metric_settings": metric_settings,
                },
                "samples_sha256": samples_digest(samples),
                "environment": environment("cpu", plugins),
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            records.write_record(where, rec)
            if echo:
                echo(
                    f"{dataset}/{budget_obj.name} reference {name} seed {seed}: "
                    + ", ".join(f"{k} {v:.4g}" for k, v in values.items())
                )
            out.append(rec)
    if not out:
        raise LpbenchError("no references computed: pass at least one seed")
    return out
