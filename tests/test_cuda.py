"""On a CUDA device (benchmarks/gpu_check.sh runs these with -m cuda; skipped without one)."""

import json
from pathlib import Path

import pytest
import torch

import lpbench

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def test_a_bf16_digits_smoke_run_on_cuda_completes_and_records_the_device(cli, tmp_path):
    res = cli(
        "run",
        "--models",
        "vae",
        "--dataset",
        "digits",
        "--budget",
        "smoke",
        "--device",
        "cuda",
        "--set",
        "budget.precision=bf16",
        "--set",
        "pag.steps=20",
        "--runs-dir",
        tmp_path,
        "-q",
    )
    assert res.exit_code == 0, res.output
    rec = read_json(tmp_path / "digits/smoke/vae/seed0/run.json")
    assert rec["status"] == "completed" and rec["environment"]["device"].startswith("cuda")
    assert rec["config"]["budget"]["precision"] == "bf16" and rec["environment"]["cuda"]
    assert all(v == v for v in rec["metrics"].values())  # no NaN


def test_reversal_on_cuda_gives_the_cpu_codes():
    g = torch.Generator().manual_seed(0)
    a1 = 0.8 * torch.linalg.qr(torch.randn(3, 3, generator=g))[0]
    a2 = torch.linalg.qr(torch.randn(64, 3, generator=g))[0] @ torch.diag(torch.tensor([4.0, 3.0, 2.0]))
    x = torch.tanh(0.5 * torch.randn(30, 3, generator=g) @ a1.T) @ a2.T
    runs = {}
    for device in ("cpu", "cuda"):
        A1, A2 = a1.to(device), a2.to(device)
        runs[device] = lpbench.reverse(
            lambda z, A1=A1, A2=A2: torch.tanh(z @ A1.T) @ A2.T,
            x.to(device),
            3,
            steps=2000,
            generator=torch.Generator().manual_seed(1),
        )
    assert torch.allclose(runs["cuda"].codes, runs["cpu"].codes, atol=1e-3)
    assert runs["cuda"].converged.all() and runs["cpu"].converged.all()


def read_json(path):
    return json.loads(Path(path).read_text())
