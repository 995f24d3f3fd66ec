"""Why do glf_regularized's eight-Gaussians samples score far above its decoder ceiling (EMD ≈ 0.8–0.95
against ≈ 0.52)? Without GLF's stop-gradient the flow's NLL also trains the encoder, which shrinks
the codes (GLF paper §3.3): they end with per-dimension standard deviations of 1e-3 and below.
Two explanations, measured side by side:

  (a) stale statistics — the flow's coupling nets hold BatchNorm (as the GLF authors' code does),
      which trains on batch statistics and samples with its running statistics (priors/flow.py:
      eval mode); with codes that small the running statistics may not describe the final codes;
  (b) no Gaussian image — the NLL can fall through the flow's log-determinant while the codes
      shrink, without the flow mapping the codes onto N(0, I); sampling inverts N(0, I) noise, and
      noise outside the codes' image decodes off the data.

For each run folder given (its weights, model.pt, are needed), with the flow in three states:

  eval         — its running statistics, as the run samples;
  recalibrated — running statistics recomputed over the forward pass of all training codes
                 (what (a) would need to fix sampling);
  train        — batch statistics in every pass, forward and inverse (the inverse then
                 re-standardizes each layer over the noise batch: a different map from the
                 trained one, given for comparison only),

this writes per state: the mean NLL of the run's test codes, their image ε = flow(z) (per-dimension
mean and standard deviation; N(0, I): 0 and 1) and mean log-determinant, and the EMD of samples
decoded from the run's own scoring noise (eval: the run's scored samples, redrawn with
lpbench.runner.draw_samples — it must equal the record's EMD); and the codes' per-dimension
standard deviation, the record's decoder ceiling, and per BatchNorm layer (train-mode pass over the
test codes) the activations' mean variance against BatchNorm's eps. glf (stop-gradient) is the
control. Writes results.json beside this file:

    python studies/glf_regularized_flow/measure.py leaderboard/runs/eight_gaussians/paper/glf_regularized/seed1 …

Seconds per run. The published runs' weights are not committed: `lpbench run --models M --dataset
eight_gaussians --budget paper --seeds N --force --set architecture.decoder_output=tanh --set
data.radius=0.8 --runs-dir leaderboard/runs` retrains one (glf_regularized ≈ 3 min).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATES = ("eval", "recalibrated", "train")
CODE_BATCH = 500  # the recalibration's forward batches


def _encode(model, x, batch: int = 5000):
    import torch

    with torch.no_grad():
        return torch.cat([model.enc(x[i : i + batch]) for i in range(0, len(x), batch)])


def flows(flow, train_codes) -> dict:
    """The flow in the three STATES (copies; the model's own flow is left as it is)."""
    import torch

    recal = copy.deepcopy(flow)
    for m in recal.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over every batch of the pass
    recal.train()
    with torch.no_grad():
        for i in range(0, len(train_codes), CODE_BATCH):
            recal(train_codes[i : i + CODE_BATCH])
    return {"eval": copy.deepcopy(flow).eval(), "recalibrated": recal.eval(), "train": copy.deepcopy(flow).train()}


def batchnorm(flow, codes) -> list:
    """Per BatchNorm layer of a train-mode pass over ``codes``: the activations' mean variance and eps."""
    import torch

    seen = []
    probe = copy.deepcopy(flow).train()
    hooks = [
        m.register_forward_hook(lambda m, inp, _out: seen.append((m, inp[0].detach())))
        for m in probe.modules()
        if isinstance(m, torch.nn.BatchNorm1d)
    ]
    with torch.no_grad():
        probe(codes)
    for h in hooks:
        h.remove()
    return [{"activation_var": float(a.var(0).mean()), "eps": float(m.eps)} for m, a in seen]


def measure(folder: Path) -> dict:
    import numpy as np
    import torch

    from lpbench.evaluation import reference_subset
    from lpbench.plugins import get_plugins
    from lpbench.runner import SAMPLE_SEED_OFFSET, draw_samples, load_model
    from lpbench_metrics.emd import emd

    model, rec = load_model(folder)
    if getattr(getattr(model, "prior", None), "flow", None) is None:
        raise ValueError(f"{folder}: model '{rec['model']}' has no latent flow")
    ds = get_plugins().get("dataset", rec["dataset"])
    data = ds(rec["config"]["data"])
    test, train = data.load("test", seed=rec["seed"]), data.load("train", seed=rec["seed"])
    prov = rec["metric_provenance"]["emd"]
    n, reference = int(prov["n_generated"]), reference_subset(test, int(prov["n_reference"])).numpy()
    for net in model.networks().values():
        net.eval()
    as_tensor = lambda x: torch.as_tensor(np.asarray(x), dtype=torch.float32)  # noqa: E731
    codes, train_codes = _encode(model, as_tensor(test.x)), _encode(model, as_tensor(train.x))
    noise = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(rec["seed"] + SAMPLE_SEED_OFFSET))
    scored = draw_samples(model, n, rec["seed"], ds.kind, tuple(ds.shape), what=f"samples from {folder}")
    out = {
        "model": rec["model"],
        "seed": rec["seed"],
        "codes_sd": [float(v) for v in codes.std(0)],
        "record_emd": rec["metrics"]["emd"],
        "ceiling_emd": (rec.get("ceiling") or {}).get("emd"),
        "states": {},
    }
    for state, f in flows(model.prior.flow, train_codes).items():
        with torch.no_grad():
            eps, logdet = f(codes)
            nll = f.nll(codes).mean()
            samples = scored if state == "eval" else model.decode(f.inverse(noise)).cpu()
        out["states"][state] = {
            "nll": float(nll),
            "image_mean": [float(v) for v in eps.mean(0)],
            "image_sd": [float(v) for v in eps.std(0)],
            "logdet": float(logdet.mean()),
            "emd": emd(samples.numpy(), reference),
        }
    bn = batchnorm(model.prior.flow, codes)
    out["batchnorm"] = {
        "layers": len(bn),
        "below_eps": sum(b["activation_var"] < b["eps"] for b in bn),
        "eps": bn[0]["eps"] if bn else None,
        "per_layer": bn,
    }
    return out


def main(argv=None) -> int:
    import torch

    from lpbench.errors import LpbenchError

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", help="run folders of glf-family models, with their weights")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    runs = []
    for folder in args.folders:
        try:
            r = measure(Path(folder))
        except (LpbenchError, ValueError) as e:
            print(f"lpbench: {e}", file=sys.stderr)
            return 2
        runs.append(r)
        print(r["model"], r["seed"], {s: round(v["emd"], 3) for s, v in r["states"].items()}, file=sys.stderr)
    Path(args.out).write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
