"""Why does glf's flow lose to an ex-post GMM on digits? Each latent density's mean NLL on the
training codes it was fitted to against the held-out (test) codes, per seed: glf's jointly
trained flow, and the ex-post flow and GMM of the prior axis on glf's and rae's codes.

Needs the trained weights (model.pt, priors/*/prior.pt, priors/codes.pt), which are not
committed: run it after studies/glf_ordering/run.sh on the same machine. Writes overfit.json.

    python studies/glf_ordering/overfit.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs" / "digits" / "paper"


def main():
    import torch

    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.runner import load_model
    from lpbench.stats import summary

    registry, plugins = Registry.load(), get_plugins()
    rows: dict = {}

    def add(name, train_nll, heldout_nll):
        rows.setdefault(name, {"train": [], "heldout": []})
        rows[name]["train"].append(float(train_nll))
        rows[name]["heldout"].append(float(heldout_nll))

    for model in ("glf", "rae"):
        for folder in sorted((RUNS / model).glob("seed*")):
            codes = torch.load(folder / "priors" / "codes.pt", weights_only=True)
            if model == "glf":
                m, _ = load_model(folder, registry, plugins)
                with torch.no_grad():
                    add(
                        "glf: its own flow (joint)",
                        m.prior.flow.nll(codes["train"]).mean(),
                        m.prior.flow.nll(codes["heldout"]).mean(),
                    )
            for prior in ("flow", "gmm"):
                cls = plugins.get("prior", prior)
                p = cls(codes["train"].shape[1], registry.prior_settings(prior, plugins))
                p.load_state_dict(torch.load(folder / "priors" / prior / "prior.pt", weights_only=True))
                with torch.no_grad():
                    add(
                        f"{model} codes: ex-post {prior}",
                        -p.log_prob(codes["train"]).mean(),
                        -p.log_prob(codes["heldout"]).mean(),
                    )
    out = {
        name: {"train_nll": summary(v["train"]), "heldout_nll": summary(v["heldout"]), "per_seed": v}
        for name, v in rows.items()
    }
    (HERE / "overfit.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    for name, r in out.items():
        print(
            f"{name:28s} train NLL {r['train_nll']['mean']:7.2f}   held-out NLL {r['heldout_nll']['mean']:7.2f} "
            f"± {r['heldout_nll']['std']:.2f}"
        )


if __name__ == "__main__":
    main()
