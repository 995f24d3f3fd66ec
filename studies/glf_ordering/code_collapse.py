"""Why does glf_regularized sample so much worse than glf? The GLF paper (§3.3) predicts that,
without the stop-gradient, the flow's NLL drives the codes' scale down (its log-determinant rewards
small codes) against the reconstruction loss. This measures that on the trained runs, per seed:

- the standard deviations of the encoder's held-out (test) codes along their principal axes;
- their participation ratio (Σλ)² / Σλ² over the covariance's eigenvalues λ: how many directions
  the codes really spread in (d when all are equal, 1 when one direction holds them all);
- the reconstruction error (per-example sum of squared errors, the loss's own term) and the
  flow's mean NLL on the same codes.

Needs the trained weights (model.pt), which are not committed: run it on the machine that trained
the runs (leaderboard/reproduce.sh step 1b). Writes code_collapse.json beside this file.

    python studies/glf_ordering/code_collapse.py [RUNS_DIR]     # default leaderboard/runs/digits/paper
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUNS = ROOT / "leaderboard" / "runs" / "digits" / "paper"
MODELS = ("glf", "glf_regularized")
MEASURES = ("participation_ratio", "reconstruction_sse", "flow_nll")


def measure(folder, registry, plugins) -> dict:
    import torch

    from lpbench import records
    from lpbench.runner import load_model

    model, rec = load_model(folder, registry, plugins)
    ds_cls = plugins.get("dataset", rec["dataset"])
    data = ds_cls(records.config_of(rec, folder, "data")["data"], data_root=None).load("test", seed=rec["seed"])
    codes = model.encode_all(data)
    x = data.batch(torch.arange(len(data)))
    flow = model.prior.flow
    flow.eval()  # BatchNorm on its running statistics: a code's NLL depends on that code alone
    with torch.no_grad():
        sse = (model.decode(codes) - x).pow(2).flatten(1).sum(1).mean()
        nll = flow.nll(codes).mean()
    eig = torch.linalg.eigvalsh(torch.cov(codes.T).double()).flip(0).clamp_min(0)
    return {
        "principal_sd": [float(v) for v in eig.sqrt()],
        "participation_ratio": float(eig.sum() ** 2 / eig.pow(2).sum()),
        "reconstruction_sse": float(sse),
        "flow_nll": float(nll),
        "n_codes": len(codes),
    }


def main(runs=RUNS, out_file=HERE / "code_collapse.json"):
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.stats import compare, summary

    registry, plugins = Registry.load(), get_plugins()
    per_seed: dict = {m: {} for m in MODELS}
    for m in MODELS:
        for folder in sorted((Path(runs) / m).glob("seed*")):
            if (folder / "model.pt").exists():
                per_seed[m][folder.name] = measure(folder, registry, plugins)
    where = Path(runs).resolve()
    out: dict = {
        "runs": str(where.relative_to(ROOT) if where.is_relative_to(ROOT) else where),
        "per_seed": per_seed,
        "summary": {},
        "glf_regularized_vs_glf": {},
    }
    for key in MEASURES:
        values = {m: [r[key] for r in per_seed[m].values()] for m in MODELS}
        out["summary"][key] = {m: summary(v) for m, v in values.items()}
        out["glf_regularized_vs_glf"][key] = compare(values["glf_regularized"], values["glf"])
    Path(out_file).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    for m in MODELS:
        for seed, r in per_seed[m].items():
            sd = " ".join(f"{v:.3g}" for v in r["principal_sd"])
            print(
                f"{m:16s} {seed}: participation ratio {r['participation_ratio']:5.2f}, "
                f"reconstruction {r['reconstruction_sse']:6.3f}, flow NLL {r['flow_nll']:7.2f}; principal sd {sd}"
            )
    for key, c in out["glf_regularized_vs_glf"].items():
        p = "n/a" if c["p_value"] is None else f"{c['p_value']:.3g}"
        print(f"{key}: glf_regularized − glf = {c['mean_diff']}, {c['test']}, p = {p}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
