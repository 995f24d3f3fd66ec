"""Re-scoring completed runs from their saved models (`lpbench evaluate`, and `lpbench run` on
runs that lack a requested metric): no retraining, the checkpoint is only read, and the new
values with their provenance are merged into run.json in one atomic write."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from . import records
from .errors import LpbenchError


def present_metrics(record: dict) -> set[str]:
    """Metric plugins a record already answers: those that produced a value, and those the run
    skipped on purpose (a default metric the model cannot support)."""
    prov = record.get("metric_provenance") or {}
    return {p.get("metric", k) for k, p in prov.items()} | set(record.get("metrics_skipped") or {})


def missing_metrics(record: dict, requested) -> list[str]:
    have = present_metrics(record)
    return [m for m in requested if m not in have]


def run_folders(paths) -> list[Path]:
    """Each path is a run folder (holds run.json) or a runs directory searched for model runs;
    prior-axis records (<run>/priors/<prior>/) are not model runs and are left out."""
    out = []
    for p in map(Path, paths):
        if not p.exists():
            raise LpbenchError(
                f"{p} does not exist; pass run folders (RUNS_DIR/<dataset>/<budget>/<model>/seed<k>) "
                f"or a runs directory"
            )
        if (p / records.RUN_JSON).exists() or (p / records.RUN_JSON).is_symlink():
            out.append(p)
            continue
        found = [Path(r["_dir"]) for r in records.iter_records(p) if (r.get("prior") or "native") == "native"]
        if not found:
            raise LpbenchError(f"{p} holds no run records")
        out.extend(found)
    return list(dict.fromkeys(out))


def rescore(
    folder,
    metrics=None,
    *,
    registry,
    plugins,
    device="cpu",
    data_root=None,
    extractor_options=None,
    metric_overrides=None,
) -> dict:
    """Score the run in ``folder`` with ``metrics`` (None: the dataset's default metrics the
    record lacks; named metrics are re-scored even if present, their old values kept in the
    evaluation's entry). Returns that entry ({"metrics": [] } when there was nothing to do)."""
    from . import __version__
    from .evaluation import build_metrics, score_samples
    from .runner import MODEL_FILE, draw_samples, load_model, samples_digest

    folder = Path(folder)
    rec = records.read_record(folder)
    if rec is None:
        raise LpbenchError(f"{folder} holds no run.json")
    if (rec.get("prior") or "native") != "native":
        raise LpbenchError(f"{folder} is a prior-axis record; re-score its model run instead")
    if rec.get("status") != "completed":
        raise LpbenchError(f"{folder}: the run is {rec.get('status')}, not completed; finish it with 'lpbench run'")
    cfg = records.config_of(rec, folder, "hparams", "architecture", "latent_dim", "data", "evaluation", "budget")
    explicit = metrics is not None
    names = (
        list(metrics) if explicit else missing_metrics(rec, registry.dataset(rec["dataset"])["evaluation"]["metrics"])
    )
    for m in names:
        plugins.get("metric", m)
    if not names:
        return {"metrics": []}
    if not (folder / MODEL_FILE).exists():
        raise LpbenchError(
            f"{folder / MODEL_FILE} is missing (weights are not kept for this run), so it cannot be "
            f"re-scored; retrain it with 'lpbench run ... --force'"
        )

    t_start = time.perf_counter()
    model, _ = load_model(folder, registry, plugins)
    model.name = rec["model"]
    ds_cls = plugins.get("dataset", rec["dataset"])
    data_root = Path(data_root) if data_root else None
    evaluation = cfg["evaluation"]
    eval_samples, split = cfg["budget"].get("eval_samples"), evaluation.get("reference_split")
    if (
        not isinstance(eval_samples, int)
        or isinstance(eval_samples, bool)
        or eval_samples < 2
        or split not in ("train", "test")
    ):
        raise records.Malformed(
            folder / records.RUN_JSON,
            "expected budget.eval_samples (an integer >= 2) and "
            f"evaluation.reference_split (train or test), got {eval_samples!r} and {split!r}",
            "config",
        )
    test = ds_cls(cfg["data"], data_root=data_root).load(split, seed=rec["seed"])
    n = min(eval_samples, len(test))
    t0 = time.perf_counter()
    samples = draw_samples(model, n, rec["seed"], ds_cls.kind, tuple(ds_cls.shape), what=f"samples from {folder}")
    sample_s = time.perf_counter() - t0
    digest = samples_digest(samples)
    # the run's own metric settings where it recorded them; a metric it never had gets today's
    recorded = cfg.get("metric_settings") if isinstance(cfg.get("metric_settings"), dict) else {}
    settings = {**registry.metric_settings(plugins, rec.get("budget")), **recorded}
    for m, values in (metric_overrides or {}).items():  # lpbench evaluate --set <metric>.<setting>
        settings[m] = {**(settings.get(m) or {}), **values}
    t0 = time.perf_counter()
    metric_objs, skipped = build_metrics(plugins, names, settings, explicit=explicit, model=model)
    values, provenance, seconds = score_samples(
        plugins,
        samples,
        metric_objs,
        dataset=rec["dataset"],
        seed=rec["seed"],
        evaluation=evaluation,
        data_settings=cfg["data"],
        data_root=data_root,
        reference_data=test,
        extractor_options=extractor_options,
        model=model,
        device=device,
        out_dir=folder,
    )
    eval_s = time.perf_counter() - t0
    at = datetime.now(UTC).isoformat(timespec="seconds")
    entry = {
        "at": at,
        "by": "lpbench evaluate",
        "lpbench": __version__,
        "device": device,
        "threads": _threads(),
        "metrics": [m for m in names if m not in skipped],
        "skipped": skipped,
        "metric_settings": {m: settings.get(m) for m in names},
        "samples_sha256": digest,
        # None: the run predates recording it; False would mean the model no longer draws what it
        # was scored on (another torch build, say), and the new values are not comparable
        "samples_match": None if "samples_sha256" not in rec else rec["samples_sha256"] == digest,
        "sample_s": sample_s,
        "eval_s": eval_s,
        "metric_s": seconds,
    }
    # re-read just before writing: another evaluation may have finished meanwhile
    rec = records.read_record(folder, {k: rec[k] for k in ("model", "dataset", "budget", "seed")})
    replaced = {k: rec["metrics"][k] for k in values if k in rec.get("metrics", {})}
    if replaced:
        entry["replaced"] = replaced
    rec.setdefault("metrics", {}).update(values)
    rec.setdefault("metric_provenance", {}).update(
        {k: {**p, "evaluated_at": at, "evaluated_by": "lpbench evaluate"} for k, p in provenance.items()}
    )
    if skipped:
        rec["metrics_skipped"] = {**(rec.get("metrics_skipped") or {}), **skipped}
    timings = rec.setdefault("timings", {})
    timings.setdefault("metric_s", {}).update(seconds)
    entry["total_s"] = time.perf_counter() - t_start
    timings["evaluate_s"] = timings.get("evaluate_s", 0.0) + entry["total_s"]
    rec.setdefault("evaluations", []).append(entry)
    records.write_record(folder, rec)
    return entry


def _threads() -> int:
    import torch

    return torch.get_num_threads()
