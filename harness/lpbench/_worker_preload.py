"""Imported once by the process pool's forkserver, so that each run's fresh worker process starts
with the heavy libraries loaded and warmed instead of paying for it again (torch, POT with
scikit-learn, matplotlib: about as long as a whole `smoke` run)."""

import io

import matplotlib

matplotlib.use("Agg")  # what lpbench.figures uses; never a GUI backend in a worker

import matplotlib.pyplot as plt  # noqa: E402
import ot  # noqa: E402,F401  (a core dependency: pot)
import torch  # noqa: E402
import torchvision.utils  # noqa: E402,F401

from lpbench import evaluation, figures, runner  # noqa: E402,F401


def _warm() -> None:
    """First calls are slow (autograd and optimizer set-up, font loading, PNG encoding). One
    thread only: a forkserver must not start an OpenMP pool, which forked children would
    inherit broken. Runs reseed everything, so the RNG use here does not leak into results."""
    torch.set_num_threads(1)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    opt = torch.optim.Adam(net.parameters())
    net(torch.zeros(4, 2)).pow(2).mean().backward()
    opt.step()
    fig = plt.figure(figsize=(2, 2))
    fig.gca().scatter([0.0, 1.0], [0.0, 1.0], s=2)
    fig.gca().set_title("warm-up")
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


_warm()
