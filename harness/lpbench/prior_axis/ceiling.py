"""The decoder's ceiling: the dataset's metrics on decode(codes(x_test)), reconstructions of the
held-out points the samples are scored against (never the training split). A prior that produced
exactly the held-out codes would score it; no prior can be expected to beat it. It goes into the
model's own run.json with the gap of the model's native samples to it."""

from __future__ import annotations

import copy
import time

from .. import records
from .specs import NATIVE


def update_ceiling(run) -> None:
    """Metrics on reconstructions of held-out data → the model's run.json (``ceiling``), with the
    gap of its own samples and the latent agreement of its native prior. Only what is missing is
    computed, and run.json is rewritten only when something was added."""
    import torch

    from ..evaluation import check_samples

    metrics = run.metrics()
    rec = records.read_record(run.folder)
    before = copy.deepcopy(rec)
    have = rec.get("ceiling") or {}
    todo = {m: o for m, o in metrics.items() if not _scored(m, rec.get("ceiling_provenance"))}
    need_latent = "latent" not in rec and run.model.has("sample_prior")
    n = run.n_eval()
    if todo or need_latent:
        codes = run.codes()
        rec["codes"] = {
            "source": codes["source"],
            "seconds": codes["seconds"],
            **{k: v for k, v in codes.items() if k.endswith("_mse")},
        }
    if todo:
        # the held-out codes of the very points the samples are scored against
        # (reference_subset's permutation): a prior that reproduced them would score the ceiling
        test = run.split("test")
        perm = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[:n]
        t0 = time.perf_counter()
        recon = run.decode(codes["heldout"][perm])
        check_samples(recon, run.kind, tuple(test.item_shape), what="reconstructions")
        values, prov, _ = run.evaluate(todo, recon, out_dir=None)
        for k in prov:
            prov[k] = {**prov[k], "reconstructed_split": "test", "codes": codes["source"]}
        have = {**have, **values}
        rec["ceiling"] = have
        rec["ceiling_provenance"] = {**(rec.get("ceiling_provenance") or {}), **prov}
        rec.setdefault("timings", {})["ceiling_s"] = time.perf_counter() - t0
    provenance = rec.get("metric_provenance")
    rec["gap"] = gaps(rec.get("metrics") or {}, have, run.higher_is_better(provenance), provenance)
    if need_latent:
        z = run.model.sample_prior(n, torch.Generator().manual_seed(run.seed + 10_000))
        rec["latent"] = run.latent(z)
    rec.setdefault("prior", NATIVE)
    if rec != before:
        records.write_record(run.folder, rec)
    run.rec = rec


def _scored(metric: str, provenance) -> bool:
    return any(p.get("metric") == metric for p in (provenance or {}).values())


def headlines(provenance: dict) -> list[str]:
    """Each metric's headline value name: the first value it returned (evaluation keeps order)."""
    seen, out = set(), []
    for k, p in (provenance or {}).items():
        m = p.get("metric", k)
        if m not in seen:
            seen.add(m)
            out.append(k)
    return out


def gaps(metrics: dict, ceiling: dict, higher_is_better: dict, provenance: dict | None = None) -> dict:
    """Per headline value present in both: how much worse the samples score than the
    reconstructions (positive = the prior costs that much; the sign follows each metric's
    direction). Companion values (a floor, a std) have no gap."""
    out = {}
    keep = set(headlines(provenance)) if provenance else set(metrics)
    for k, v in metrics.items():
        if k in ceiling and k in keep:
            hib = higher_is_better.get(k, False)
            out[k] = (ceiling[k] - v) if hib else (v - ceiling[k])
    return out
