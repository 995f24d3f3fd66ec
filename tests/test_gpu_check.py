"""benchmarks/gpu_check.sh (issue 19): refuses clearly without CUDA; its CPU dry run writes the JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def _run(*args, env=None, timeout=600):
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHON": sys.executable, **(env or {})},
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: the script would measure it")
@pytest.mark.slow  # starts the script in a subprocess (≈ 7–14 s)
def test_without_cuda_it_fails_clearly_and_writes_nothing(tmp_path):
    out = tmp_path / "gpu.json"
    res = _run(env={"GPU_CHECK_OUT": str(out)}, timeout=120)
    assert res.returncode == 3, res.stderr
    assert "no CUDA device" in res.stderr and "--cpu-dry-run" in res.stderr
    assert not out.exists()
    assert _run("--bogus", timeout=60).returncode == 2


@pytest.mark.slow
def test_the_cpu_dry_run_writes_the_json_the_gpu_run_writes(tmp_path):
    out = tmp_path / "gpu.json"
    res = _run("--cpu-dry-run", env={"GPU_CHECK_OUT": str(out), "LPBENCH_CACHE": str(tmp_path / "cache")})
    assert res.returncode == 0, res.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["dry_run"] is True and doc["device"] == "cpu" and doc["ok"] is True
    assert doc["smoke_bf16"]["vae"]["status"] == "completed" and doc["smoke_bf16"]["vae"]["precision"] == "bf16"
    steps = doc["step_times"]["vae"]["cpu_fp32"]
    assert steps["median_step_s"] > 0 and steps["batch_size"] == 256  # the digits paper budget's batch
