"""How much does it matter that lpbench's RAE-L2 decays every decoder parameter, where the RAE
authors' code puts its l2(λ) only on the transposed-convolution kernels (docs/fidelity.md, rae)?
Two arms on digits `paper`, seed by seed: the registry's rae (`decoder_decay: all`, the
leaderboard's runs) and the same rae with `decoder_decay: deconv_kernels` (run.sh's second part,
``rae_deconv_kernels/runs``). From the records (committed): rae+gmm's FID and the decoder's
ceiling FID, compared with a paired t-test by seed. From the weights where they are present
(model.pt is not committed: the machine that trained the runs), at the final weights:

- the penalty λ·Σθ² over every decoder parameter and over the kernels alone, and the share of
  the training loss (per-pixel MSE + β·mean z² + penalty) the other parameters' part makes;
- for those other parameters (linear layers, BatchNorm, biases), how often the decay's gradient
  2λθ outweighs the reconstruction loss's gradient on the full training set: Adam normalizes each
  parameter's gradient, so the decay steers a parameter only where it is comparable to that
  parameter's loss gradient;
- the held-out reconstruction error (per-pixel MSE on the test split).

Writes rae_decoder_l2.json beside this file.

    python studies/glf_ordering/rae_decoder_l2.py [BASELINE_RUNS ABLATION_RUNS]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from publish import completed_record  # noqa: E402  (studies/publish.py, shared by every study)

ROOT = HERE.parent.parent
RUNS = ROOT / "leaderboard" / "runs" / "digits" / "paper"
ABLATION = HERE / "rae_deconv_kernels" / "runs" / "digits" / "paper"
RECORDED = ("gmm_fid", "ceiling_fid")


def measure(folder, registry, plugins) -> dict:
    import torch

    from lpbench import records
    from lpbench.runner import load_model
    from lpbench_models.rae import deconv_kernels

    model, rec = load_model(folder, registry, plugins)
    hp = records.config_of(rec, folder, "hparams")["hparams"]
    lam, beta = hp["decoder_weight_decay"], hp["latent_weight"]
    ds_cls = plugins.get("dataset", rec["dataset"])
    settings = records.config_of(rec, folder, "data")["data"]
    data = ds_cls(settings, data_root=None).load("train", seed=rec["seed"])
    test = ds_cls(settings, data_root=None).load("test", seed=rec["seed"])
    x = data.batch(torch.arange(len(data)))
    kernels = {id(w) for w in deconv_kernels(model.dec)}
    params = list(model.dec.parameters())
    added = [p for p in params if id(p) not in kernels]
    # the training step's own terms, on the whole training set at once; train mode as in training
    model.enc.train(), model.dec.train()
    z = model.enc(x)
    rec_term = (model.dec(z) - x).pow(2).flatten(1).sum(1).mean() / x[0].numel()
    grads = torch.autograd.grad(rec_term, added)
    with torch.no_grad():
        sq_all = sum(float(p.pow(2).sum()) for p in params)
        sq_added = sum(float(p.pow(2).sum()) for p in added)
        latent_term = beta * float(z.pow(2).mean())
        decay_wins = sum(int((2 * lam * p.abs() > g.abs()).sum()) for p, g in zip(added, grads))
        n_added = sum(p.numel() for p in added)
        model.enc.eval(), model.dec.eval()
        xt = test.batch(torch.arange(len(test)))
        test_mse = float((model.dec(model.enc(xt)) - xt).pow(2).mean())
    loss = float(rec_term.detach()) + latent_term + lam * sq_all
    return {
        "penalty_all": lam * sq_all,
        "penalty_kernels": lam * (sq_all - sq_added),
        "reconstruction_term": float(rec_term.detach()),
        "latent_term": latent_term,
        "added_penalty_share_of_loss": lam * sq_added / loss,
        "added_parameters": n_added,
        "decay_outweighs_reconstruction_share": decay_wins / n_added,
        "test_mse": test_mse,
    }


def recorded(folder) -> dict | None:
    """rae+gmm's FID and the decoder's ceiling FID, from a completed run's records."""
    rec, gmm = completed_record(folder / "run.json"), completed_record(folder / "priors" / "gmm" / "run.json")
    if rec is None or gmm is None:
        return None
    return {"gmm_fid": gmm["metrics"]["fid"], "ceiling_fid": rec["ceiling"]["fid"]}


def main(baseline=RUNS, ablation=ABLATION, out_file=HERE / "rae_decoder_l2.json"):
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry
    from lpbench.stats import compare, summary

    registry, plugins = Registry.load(), get_plugins()
    arms: dict = {"all": {"runs": Path(baseline)}, "deconv_kernels": {"runs": Path(ablation)}}
    for arm in arms.values():
        arm["per_seed"] = {}
        for folder in sorted((arm["runs"] / "rae").glob("seed*")):
            values = recorded(folder)
            if values is None:
                continue
            if (folder / "model.pt").exists():
                values.update(measure(folder, registry, plugins))
            arm["per_seed"][folder.name] = values
        where = arm["runs"].resolve()
        arm["runs"] = str(where.relative_to(ROOT) if where.is_relative_to(ROOT) else where)
        keys = {k for r in arm["per_seed"].values() for k in r}
        arm["summary"] = {k: summary([r[k] for r in arm["per_seed"].values() if k in r]) for k in sorted(keys)}
    # paired by seed, over the seeds both arms hold
    a, b = arms["deconv_kernels"]["per_seed"], arms["all"]["per_seed"]
    both = sorted(set(a) & set(b))
    out = {
        "arms": arms,
        "seeds_compared": both,
        "deconv_kernels_vs_all": {
            k: compare([a[s][k] for s in both], [b[s][k] for s in both], paired=True)
            for k in RECORDED + ("test_mse",)
            if all(k in a[s] and k in b[s] for s in both)
        },
    }
    Path(out_file).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    for name, arm in arms.items():
        for seed, r in arm["per_seed"].items():
            line = (
                f"decoder_decay {name:14s} {seed}: rae+gmm FID {r['gmm_fid']:.3f}, ceiling FID {r['ceiling_fid']:.3f}"
            )
            if "penalty_all" in r:
                line += (
                    f"; penalty {r['penalty_all']:.3g} (kernels {r['penalty_kernels']:.3g}), reconstruction "
                    f"{r['reconstruction_term']:.3g}, test MSE {r['test_mse']:.3g}; the other parameters' penalty is "
                    f"{r['added_penalty_share_of_loss']:.2%} of the loss and its gradient outweighs the "
                    f"reconstruction's on {r['decay_outweighs_reconstruction_share']:.2%} of them"
                )
            print(line)
    for key, c in out["deconv_kernels_vs_all"].items():
        p = "n/a" if c["p_value"] is None else f"{c['p_value']:.3g}"
        print(f"{key}: deconv_kernels − all = {c['mean_diff']}, {c['test']}, p = {p}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
