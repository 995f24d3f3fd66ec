"""Imported once by the process pool's forkserver, so that each run's fresh worker process starts
with the heavy libraries already in memory instead of importing them again (seconds per run:
torch, POT with scikit-learn, matplotlib)."""
import matplotlib

matplotlib.use("Agg")  # what lpbench.figures uses; never a GUI backend in a worker

import matplotlib.pyplot  # noqa: E402,F401
import ot  # noqa: E402,F401  (a core dependency: pot)
import torch  # noqa: E402,F401
import torchvision.utils  # noqa: E402,F401

from lpbench import evaluation, figures, runner  # noqa: E402,F401
