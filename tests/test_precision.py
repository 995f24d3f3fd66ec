"""Mixed precision as a budget option: bf16 autocast around fit, evaluation in fp32."""

import pytest
import torch

from lpbench.context import autocast
from lpbench.testing import read_json

TINY = [
    "--dataset",
    "eight_gaussians",
    "--budget",
    "smoke",
    "--device",
    "cpu",
    "--set",
    "data.n_train=1000",
    "--set",
    "data.n_test=200",
    "--set",
    "budget.eval_samples=100",
    "--metrics",
    "emd",
    "-q",
]


def test_autocast_follows_the_budget_precision():
    lin = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3)
    with autocast("cpu", "fp32"):
        assert lin(x).dtype == torch.float32
    with autocast("cpu", "bf16"):
        assert lin(x).dtype == torch.bfloat16


@pytest.mark.slow
def test_a_bf16_run_trains_in_bf16_records_it_and_evaluates_in_fp32(cli, tmp_path):
    runs = {}
    for precision in ("fp32", "bf16"):
        res = cli(
            "run",
            "--models",
            "gan",
            *TINY,
            "--runs-dir",
            tmp_path / precision,
            "--set",
            f"budget.precision={precision}",
        )
        assert res.exit_code == 0, res.output
        runs[precision] = read_json(tmp_path / precision / "eight_gaussians" / "smoke" / "gan" / "seed0" / "run.json")
    assert runs["bf16"]["config"]["budget"]["precision"] == "bf16"
    assert runs["fp32"]["config"]["budget"]["precision"] == "fp32"
    # bf16 rounding changes the training trajectory, so the same seed gives another (finite) result
    assert runs["bf16"]["metrics"]["emd"] != runs["fp32"]["metrics"]["emd"]
    assert all(r["metrics"]["emd"] > 0 for r in runs.values())
    weights = torch.load(
        tmp_path / "bf16" / "eight_gaussians" / "smoke" / "gan" / "seed0" / "model.pt", weights_only=True
    )
    # autocast keeps the master weights in fp32
    assert all(t.dtype == torch.float32 for net in weights.values() for t in net.values() if t.is_floating_point())
