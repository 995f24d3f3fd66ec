"""Logging one lpbench run to MLflow (imports mlflow: loaded only when tracking is on)."""

import json
import math
from pathlib import Path

from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

# Resume state: large, and of no use outside lpbench (model.pt holds the weights for sampling).
SKIP_FILES = ("train_state.pt",)
# mlflow's log_batch accepts at most 1000 metrics / 100 params per call
METRIC_CHUNK, PARAM_CHUNK = 1000, 100


def default_uri(run_dir: Path) -> str:
    """sqlite:///<runs dir>/mlflow.db — run folders are RUNS_DIR/<dataset>/<budget>/<model>/seed<k>."""
    runs_dir = Path(run_dir).resolve().parents[3]
    return f"sqlite:///{runs_dir / 'mlflow.db'}"


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = json.dumps(v) if isinstance(v, (list, tuple)) else str(v)
    return out


def _finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def log_run(record: dict, run_dir, tracking_uri=None, experiment=None) -> str:
    """Log params, metrics (final values, timings, training curves by step), tags and the run
    folder's files (figures included) as one MLflow run. Returns the MLflow run id."""
    run_dir = Path(run_dir)
    uri = tracking_uri or default_uri(run_dir)
    client = MlflowClient(tracking_uri=uri)
    name = experiment or f"lpbench-{record['dataset']}"
    exp = client.get_experiment_by_name(name)
    if exp is None:
        # beside the database, not in ./mlruns of whatever directory lpbench was started from
        artifacts = Path(run_dir).resolve().parents[3] / "mlflow-artifacts" if uri == default_uri(run_dir) else None
        exp_id = client.create_experiment(name, artifact_location=artifacts.as_uri() if artifacts else None)
    else:
        exp_id = exp.experiment_id
    tags = {
        "lpbench.model": record["model"],
        "lpbench.dataset": record["dataset"],
        "lpbench.budget": record["budget"],
        "lpbench.seed": str(record["seed"]),
        "lpbench.status": record.get("status", ""),
        "lpbench.run_dir": str(run_dir.resolve()),
    }
    if record.get("error"):
        tags["lpbench.error"] = str(record["error"])[:5000]
    run = client.create_run(exp_id, run_name=f"{record['model']} {record['budget']} seed{record['seed']}", tags=tags)
    rid = run.info.run_id
    try:
        params = {
            "model": record["model"],
            "dataset": record["dataset"],
            "budget": record["budget"],
            "seed": str(record["seed"]),
            **flatten(record.get("config") or {}),
        }
        items = [Param(k[:250], v[:6000]) for k, v in params.items()]
        for i in range(0, len(items), PARAM_CHUNK):
            client.log_batch(rid, params=items[i : i + PARAM_CHUNK])
        metrics = [Metric(k, float(v), 0, 0) for k, v in (record.get("metrics") or {}).items() if _finite(v)]
        metrics += [Metric(f"time_{k}", float(v), 0, 0) for k, v in (record.get("timings") or {}).items() if _finite(v)]
        curves_file = run_dir / "curves.json"
        if curves_file.exists():
            for row in json.loads(curves_file.read_text()):
                step = int(row.get("step", 0))
                metrics += [
                    Metric(f"train_{k}", float(v), 0, step) for k, v in row.items() if k != "step" and _finite(v)
                ]
        for i in range(0, len(metrics), METRIC_CHUNK):
            client.log_batch(rid, metrics=metrics[i : i + METRIC_CHUNK])
        for f in sorted(run_dir.iterdir()):
            if f.is_file() and f.name not in SKIP_FILES and not f.name.startswith("."):
                client.log_artifact(rid, str(f))
        client.set_terminated(rid, "FINISHED" if record.get("status") == "completed" else "FAILED")
    except BaseException:
        client.set_terminated(rid, "FAILED")
        raise
    return rid


__all__ = ["log_run", "default_uri"]
