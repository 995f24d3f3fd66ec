"""Plain-line progress (stderr not a terminal): steps with an ETA, per-run status, summary table."""

import io

from lpbench.progress import Reporter
from lpbench.runner import RunSpec


def test_plain_lines_carry_eta_status_and_a_summary_with_reasons(monkeypatch):
    clock = iter([100.0, 106.0, 107.0])
    monkeypatch.setattr("lpbench.progress.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    a, b = RunSpec("vae", "digits", "smoke", 0), RunSpec("gan", "digits", "smoke", 0)
    with Reporter(total=2, stream=out) as rep:
        rep.step(a, 10, 100, {"step": 9, "loss": 2.0})
        rep.step(a, 20, 100, {"step": 19, "loss": 1.5})  # 10 steps in 6 s: 80 to go, 48 s
        rep.step(a, 100, 100, {"step": 99, "loss": 1.0})
        rep.done(a, {"status": "completed"})
        rep.done(b, {"status": "failed"})
    rep.summary(
        [
            {
                "model": "vae",
                "dataset": "digits",
                "budget": "smoke",
                "seed": 0,
                "status": "completed",
                "metrics": {"fid": 12.5},
            },
            {
                "model": "gan",
                "dataset": "digits",
                "budget": "smoke",
                "seed": 0,
                "status": "failed",
                "error": "loss became nan",
            },
            {"model": "glf", "dataset": "digits", "budget": "smoke", "seed": 0, "status": "completed", "skipped": True},
        ]
    )
    text = out.getvalue()
    assert "[vae on digits/smoke seed 0] step 20/100 eta 48s loss=1.5" in text
    assert "[1/2] vae on digits/smoke seed 0: completed" in text and "[2/2] gan on digits/smoke seed 0: failed" in text
    assert "fid=12.5" in text and "loss became nan" in text and "skipped" in text


def test_quiet_prints_nothing():
    out = io.StringIO()
    spec = RunSpec("vae", "digits", "smoke", 0)
    with Reporter(total=1, quiet=True, stream=out) as rep:
        rep.step(spec, 1, 1, {"step": 0, "loss": 1.0})
        rep.done(spec, {"status": "completed"})
    rep.summary([{"model": "vae", "dataset": "digits", "budget": "smoke", "seed": 0, "status": "completed"}])
    assert out.getvalue() == ""
