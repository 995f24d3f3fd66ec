"""Optional MLflow tracking (extra ``lpbench[mlflow]``): each run that finishes is logged to MLflow.

Off unless enabled: ``LPBENCH_MLFLOW=1`` in the environment or ``mlflow = true`` in lpbench.toml
(the CLI hands file settings to plugins as LPBENCH_* variables). mlflow is imported only when a
run is logged, so listing plugins and the CLI stay fast without it.
"""

import os

from lpbench import LpbenchError, hookimpl

ENABLE_ENV = "LPBENCH_MLFLOW"
URI_ENV = "LPBENCH_MLFLOW_URI"
EXPERIMENT_ENV = "LPBENCH_MLFLOW_EXPERIMENT"


def enabled() -> bool:
    return os.environ.get(ENABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@hookimpl
def run_finished(record, run_dir):
    """Log the run to MLflow when tracking is enabled."""
    if not enabled():
        return
    try:
        from .tracking import log_run
    except ImportError as e:
        raise LpbenchError(
            f"{ENABLE_ENV} is on but mlflow cannot be imported ({e}); install it with pip install 'lpbench[mlflow]'"
        ) from None
    log_run(
        record, run_dir, tracking_uri=os.environ.get(URI_ENV) or None, experiment=os.environ.get(EXPERIMENT_ENV) or None
    )
