"""The context a model's fit receives: device, seeded RNG, logging, progress, checkpoints."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from . import store
from .errors import RunFailed
from .store import atomic_write_json, atomic_write_torch

CHECKPOINT = "train_state.pt"
CURVES = "curves.json"


class RunContext:
    """Handed to ``Model.fit``.

    ``log(step, **values)`` records training curves (every ``log_every`` steps, so it costs
    nothing on the other steps), feeds the progress display, and ends the run as failed when a
    value turns NaN/inf or the wall-clock cap is passed. ``save_checkpoint``/``load_checkpoint``
    hold the full training state (weights, optimizers, RNG states, step) for resume.
    """

    def __init__(
        self,
        *,
        device: str = "cpu",
        seed: int = 0,
        run_dir: Path | None = None,
        total_steps: int = 0,
        log_every: int = 10,
        checkpoint_every: int = 1000,
        max_wall_s: float | None = None,
        progress: Callable[[int, int, dict], None] | None = None,
        logger: logging.Logger | None = None,
    ):
        import torch

        self.device = torch.device(device)
        self.seed = seed
        self.generator = torch.Generator().manual_seed(seed)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.total_steps = total_steps
        self.log_every = max(1, int(log_every))
        self.checkpoint_every = max(1, int(checkpoint_every))
        self.max_wall_s = max_wall_s
        self._progress = progress
        self.logger = logger or logging.getLogger("lpbench.run")
        self.curves: list[dict] = []
        self._t0 = time.monotonic()
        self.resumed_from: int | None = None
        # Seconds trained before this process, from the checkpoint it resumed (0 for a fresh run;
        # None for a checkpoint written before lpbench saved it): a resumed run's train_s must
        # count every segment, not only the last.
        self.trained_before_s: float | None = 0.0
        # What the fit decided that the config does not show (e.g. each optimizer's learning-rate
        # schedule resolved to steps); the runner records it in run.json as "training".
        self.notes: dict = {}

    # ------------------------------------------------------------------ logging and progress

    def log(self, step: int, force: bool = False, **values) -> None:
        """Record loss values at ``step``; cheap no-op except every ``log_every`` steps."""
        last = step + 1 >= self.total_steps
        if not force and not last and step % self.log_every:
            return
        row = {"step": int(step)}
        for k, v in values.items():
            v = float(v.detach()) if hasattr(v, "detach") else float(v)
            if not math.isfinite(v):
                raise RunFailed(f"loss '{k}' became {v} at step {step}", step=int(step))
            row[k] = v
        self.curves.append(row)
        if self._progress is not None:
            self._progress(step + 1, self.total_steps, row)
        self.check_wall_clock(step)

    def check_wall_clock(self, step: int) -> None:
        if self.max_wall_s is not None and time.monotonic() - self._t0 > self.max_wall_s:
            raise RunFailed(
                f"exceeded the budget's wall-clock cap of {self.max_wall_s:g} s at step {step}",
                step=int(step),
            )

    def write_curves(self) -> None:
        if self.run_dir is not None:
            atomic_write_json(self.run_dir / CURVES, self.curves)

    # ------------------------------------------------------------------- the training loop

    def track(self, **objects) -> int:
        """Register what makes up the training state (modules, optimizers, anything with
        state_dict/load_state_dict), restore it from the last checkpoint if there is one, and
        return the step to start from (0 for a fresh run)."""
        self._tracked = objects
        state = self.load_checkpoint()
        if state is None:
            return 0
        self._last_step = int(state["step"])
        saved = state.get("objects", {})
        missing = set(objects) - set(saved)
        if missing:
            raise RunFailed(
                f"checkpoint {self.run_dir / CHECKPOINT} lacks {', '.join(sorted(missing))}; "
                "rerun with --force to start over"
            )
        for k, obj in objects.items():
            try:
                obj.load_state_dict(saved[k])
            except (RuntimeError, KeyError, ValueError, TypeError) as e:
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise RunFailed(
                    f"checkpoint {self.run_dir / CHECKPOINT} does not fit this run's '{k}' ({first}): it "
                    "was saved with other settings; rerun with --force to start over"
                ) from None
        return int(state["step"])

    def end_step(self, step: int, **values) -> None:
        """Call after each optimizer step: logs (every log_every) and checkpoints (every
        checkpoint_every) the tracked state."""
        self.log(step, **values)
        self._last_step = step + 1
        if self.should_checkpoint(step + 1):
            self.checkpoint(step + 1)

    def checkpoint(self, step: int) -> None:
        """Save the tracked training state as of ``step`` completed steps."""
        objects = getattr(self, "_tracked", None)
        if objects:
            self.save_checkpoint({"step": int(step), "objects": {k: o.state_dict() for k, o in objects.items()}})

    def finish(self) -> None:
        """After fit: save the final training state (so a rerun after a failed evaluation does
        not train again) and the curves."""
        if getattr(self, "_tracked", None):
            self.checkpoint(getattr(self, "_last_step", 0))
        self.write_curves()

    # ---------------------------------------------------------------------------- checkpoints

    def should_checkpoint(self, step: int) -> bool:
        return self.run_dir is not None and step > 0 and step % self.checkpoint_every == 0

    def save_checkpoint(self, state: dict) -> None:
        """Atomically save the full training state; include "step" so resume knows where to go."""
        if self.run_dir is None:
            return

        # ctx.generator too: models may draw their noise from it, and a resumed run must draw
        # the same numbers as an uninterrupted one.
        state = {
            **state,
            "curves": self.curves,
            "rng": rng_state(),
            "generator": self.generator.get_state(),
            "train_s": self.trained_s(),
        }
        atomic_write_torch(self.run_dir / CHECKPOINT, state, what="checkpoint")
        self.write_curves()

    def load_checkpoint(self) -> dict | None:
        """The last saved training state, or None. Restores global RNG states and curves."""
        if self.run_dir is None or not (self.run_dir / CHECKPOINT).exists():
            return None
        try:
            state = store.read_torch(self.run_dir / CHECKPOINT, what="training checkpoint", map_location=self.device)
        except store.Malformed as e:  # a torn or foreign file must not crash the resume
            raise RunFailed(f"{e}; delete it or rerun with --force to start over") from None
        self.curves = list(state.pop("curves", []))
        set_rng_state(state.pop("rng", None))
        generator = state.pop("generator", None)
        if generator is not None:
            self.generator.set_state(generator.cpu())
        self.resumed_from = int(state.get("step", 0))
        self.trained_before_s = state.pop("train_s", None)
        return state

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def trained_s(self) -> float | None:
        """Seconds of training so far, every resumed segment included; None when an earlier
        segment's time was not saved."""
        return None if self.trained_before_s is None else self.trained_before_s + self.elapsed()


def autocast(device, precision: str):
    """The arithmetic a budget's ``precision`` asks for, around a whole fit: fp32 → nothing,
    bf16 → torch.autocast to bfloat16 on the run's device type (CPU or CUDA)."""
    import contextlib

    import torch

    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)


def rng_state() -> dict:
    import random

    import numpy as np
    import torch

    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": json.dumps(random.getstate()),
        "numpy": {"keys": torch.from_numpy(np_state[1].astype("int64")), "pos": int(np_state[2])},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict | None) -> None:
    if not state:
        return
    import random

    import numpy as np
    import torch

    torch.set_rng_state(state["torch"].cpu())
    py = json.loads(state["python"])
    random.setstate((py[0], tuple(py[1]), py[2]))
    np.random.set_state(("MT19937", state["numpy"]["keys"].numpy().astype("uint32"), state["numpy"]["pos"], 0, 0.0))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class PriorContext(RunContext):
    """Handed to ``Prior.fit``: a RunContext whose ``total_steps`` are the budget's auxiliary
    steps over the training codes (``aux_epochs`` passes in batches of ``batch_size``), so a
    trainable prior gets the same checkpoint/resume, curves and NaN/wall-clock checks as a model."""

    def __init__(self, *, batch_size: int = 256, budget=None, **kw):
        super().__init__(**kw)
        self.batch_size = int(batch_size)
        self.budget = budget

    def batches(self, codes, start: int = 0, batch_size: int | None = None):
        """Endless shuffled batches of ``codes`` [N, d], on ``device``; step k is always the same
        batch for a given seed (as for a model's data), so a resumed fit sees what it would have."""
        from .api import DataSplit

        data = DataSplit(codes.float().to(self.device), None, "points", "codes", "train")
        return data.batches(batch_size or self.batch_size, self.seed, start)
