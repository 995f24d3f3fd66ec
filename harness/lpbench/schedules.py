"""Learning-rate schedules declared in registry.yaml, scaled to the run's budget.

A schedule is a small mapping, an hparam of the model (``lr_schedule``; a second stage may have
its own):

    {type: none}
    {type: step, every: 0.5, gamma: 0.5}                        # ×gamma every half of the steps
    {type: multistep, milestones: [0.3, 0.5], gamma: [0.5, 0.2]}  # ×0.5 at 30 %, then ×0.2 at 50 %

Milestones are fractions of the optimizer's training steps, not epochs: the papers state their
schedules in epochs of a fixed epoch count (GLF's authors halve every 50 of ~100 epochs), and a
fraction keeps the same shape at every budget. The rate at step k is the base rate times the
product of the gammas of the milestones at or before k/T. Schedulers are torch LambdaLR objects
whose factor is a plain picklable object, so their state travels in the checkpoint and a resumed
run continues at the exact rate an uninterrupted one has.
"""

from __future__ import annotations

import math

from .errors import RegistryError

NONE = {"type": "none"}


def _milestones_step(spec: dict) -> list[tuple[float, float]]:
    every, gamma = spec["every"], spec["gamma"]
    return [(k * every, gamma) for k in range(1, math.floor(1.0 / every + 1e-9) + 1)]


def _milestones_multistep(spec: dict) -> list[tuple[float, float]]:
    gammas = spec["gamma"]
    if not isinstance(gammas, list):
        gammas = [gammas] * len(spec["milestones"])
    return list(zip(spec["milestones"], gammas))


# type → (required keys with their checks, the milestones as (fraction, factor) pairs)
TYPES = {
    "none": ({}, lambda spec: []),
    "step": ({"every": "a fraction in (0, 1]", "gamma": "a factor > 0"}, _milestones_step),
    "multistep": (
        {"milestones": "increasing fractions in (0, 1]", "gamma": "a factor > 0 or one per milestone"},
        _milestones_multistep,
    ),
}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def validate(spec, where: str, path: str = "registry.yaml") -> dict:
    """The schedule as a checked dict; a RegistryError (exit 2) naming ``where`` otherwise."""

    def bad(msg):
        return RegistryError(path, where, msg)

    if not isinstance(spec, dict) or "type" not in spec:
        raise bad(f"expected a mapping with a 'type' ({', '.join(TYPES)}), got {spec!r}")
    kind = spec["type"]
    if kind not in TYPES:
        raise bad(f"unknown schedule type {kind!r}; known: {', '.join(TYPES)}")
    needed, _ = TYPES[kind]
    extra = set(spec) - {"type", *needed}
    if extra:
        raise bad(f"a {kind} schedule takes only {', '.join(['type', *needed])}, not {', '.join(sorted(extra))}")
    missing = [k for k in needed if k not in spec]
    if missing:
        raise bad(f"a {kind} schedule needs {', '.join(f'{k} ({needed[k]})' for k in missing)}")
    if kind == "step":
        if not _is_number(spec["every"]) or not 0 < spec["every"] <= 1:
            raise bad(f"every: expected a fraction of the training steps in (0, 1], got {spec['every']!r}")
        if not _is_number(spec["gamma"]) or spec["gamma"] <= 0:
            raise bad(f"gamma: expected a factor > 0, got {spec['gamma']!r}")
    if kind == "multistep":
        ms, g = spec["milestones"], spec["gamma"]
        if (
            not isinstance(ms, list)
            or not ms
            or not all(_is_number(m) and 0 < m <= 1 for m in ms)
            or any(b <= a for a, b in zip(ms, ms[1:]))
        ):
            raise bad(f"milestones: expected increasing fractions in (0, 1], got {ms!r}")
        gs = g if isinstance(g, list) else [g]
        if not all(_is_number(x) and x > 0 for x in gs) or (isinstance(g, list) and len(g) != len(ms)):
            raise bad(f"gamma: expected a factor > 0 or one per milestone ({len(ms)}), got {g!r}")
    return dict(spec)


def milestones(spec: dict, total_steps: int) -> list[tuple[int, float]]:
    """(step at which the factor applies, factor) for a run of ``total_steps`` steps. A milestone
    at fraction f takes effect from step round(f·T); one at or past T never applies."""
    _, fn = TYPES[spec["type"]]
    out = []
    for frac, gamma in fn(spec):
        step = int(round(frac * total_steps))
        if 0 < step < total_steps:
            out.append((step, float(gamma)))
    return out


class Factor:
    """Multiplier of the base rate at step k; a plain object so LambdaLR saves it with its state."""

    def __init__(self, points: list[tuple[int, float]]):
        self.points = [list(p) for p in points]

    def __call__(self, step: int) -> float:
        f = 1.0
        for at, gamma in self.points:
            if step >= at:
                f *= gamma
        return f


def scheduler(optimizer, spec: dict | None, total_steps: int):
    """A LambdaLR for ``optimizer`` following ``spec`` over ``total_steps`` steps (call its
    ``step()`` after each optimizer step)."""
    import torch

    spec = spec or NONE
    return torch.optim.lr_scheduler.LambdaLR(optimizer, Factor(milestones(spec, total_steps)))


def describe(spec: dict | None, total_steps: int) -> dict:
    """What run.json records: the declared schedule, the steps it spans, and the resolved
    (step, factor) milestones."""
    spec = spec or NONE
    return {**spec, "steps": int(total_steps), "at_steps": [[s, g] for s, g in milestones(spec, total_steps)]}


def attach(optimizers: dict, specs: dict, total_steps: int, notes: dict | None = None) -> dict:
    """One scheduler per optimizer (name → LambdaLR) following ``specs[name]`` over
    ``total_steps``; what each resolved to is written into ``notes["lr_schedules"]`` (run.json)."""
    out = {}
    for name, opt in optimizers.items():
        spec = specs.get(name) or NONE
        out[name] = scheduler(opt, spec, total_steps)
        if notes is not None:
            notes.setdefault("lr_schedules", {})[name] = describe(spec, total_steps)
    return out
