"""lpbench: a benchmarking harness for generative models with flexible or learned latent priors.

The public API for plugin authors is what this module exports; plugins import nothing else.
For notebooks and scripts: ``run``, ``score``, ``evaluate`` and ``leaderboard`` (lpbench.library,
docs/api.md), what the command line calls. These and the torch-using helpers (``nets``,
``reverse``) are loaded on first access so ``import lpbench`` stays cheap.
"""

from .api import Budget, Dataset, DataSplit, Evaluation, FeatureExtractor, Metric, Model, ModelConfig, Prior
from .context import PriorContext, RunContext
from .errors import DataError, LpbenchError, RegistryError, RunFailed, UnknownNameError
from .hookspecs import hookimpl
from .schedules import attach as schedule_optimizers

__version__ = "0.1.0"

__all__ = [
    "hookimpl",
    "Model",
    "ModelConfig",
    "Metric",
    "Dataset",
    "DataSplit",
    "FeatureExtractor",
    "Evaluation",
    "Budget",
    "RunContext",
    "Prior",
    "PriorContext",
    "LpbenchError",
    "DataError",
    "RegistryError",
    "RunFailed",
    "UnknownNameError",
    "schedule_optimizers",
    "nets",
    "reverse",
    "latent",
    "store",
    "__version__",
    "run",
    "score",
    "evaluate",
    "leaderboard",
]


def __getattr__(name):
    if name in ("run", "score", "evaluate", "leaderboard"):  # the library API the CLI calls (lpbench.library)
        import importlib

        return getattr(importlib.import_module(".library", __name__), name)
    if name == "tables":  # leaderboard tables and their renderers (pandas)
        import importlib

        return importlib.import_module(".tables", __name__)
    if name == "nets":  # the standardized architectures (imports torch)
        import importlib

        return importlib.import_module(".nets", __name__)
    if name == "latent":  # PAG, Fréchet distance and MMD between code sets (numpy/scipy/torch-fidelity)
        import importlib

        return importlib.import_module(".latent", __name__)
    if name == "store":  # the one reader and writer: checked reads, atomic writes that refuse special files
        import importlib

        return importlib.import_module(".store", __name__)
    if name == "reverse":  # generator reversal (PGAN Algorithm 1), shared by pgan and pag
        import importlib

        return importlib.import_module(".reversal", __name__).reverse
    raise AttributeError(f"module 'lpbench' has no attribute {name!r}")
