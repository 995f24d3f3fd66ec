"""The prior as its own axis: any trained model × any latent prior.

After a model's run has completed (trained once; a completed run is reused, never retrained):

1. codes — the training split's codes (``encode`` for models with an encoder, else generator
   reversal, ``lpbench.reverse``) and the held-out (test) split's codes, computed once per model
   run and saved to ``<run>/priors/codes.pt``;
2. the decoder's ceiling — the dataset's metrics on reconstructions decode(codes(x_test)) of the
   held-out split, never the training split — written into the model's own ``run.json``
   (``ceiling``, ``gap`` of its native samples, ``latent`` agreement of its native prior);
3. per prior — fitted once on the training codes (``<run>/priors/<prior>/prior.pt``, reused for any
   later metric), sampled, decoded, scored; ``<run>/priors/<prior>/run.json`` holds the metrics,
   the ceiling, the gap ceiling → samples per metric, latent agreement (PAG, Fréchet distance,
   MMD between held-out codes and prior samples), and the prior's fit time apart from the
   model's training time.

The leaderboard reads both kinds of run.json: the model's own is the row with prior "native".
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import records, store
from .errors import LpbenchError
from .locks import RunLock

PRIORS_DIR = "priors"
CODES_FILE = "codes.pt"
PRIOR_FILE = "prior.pt"
NATIVE = "native"
log = logging.getLogger("lpbench.priors")


@dataclass(frozen=True)
class PriorSpec:
    """One prior to fit on one model: ``label`` names its folder and its leaderboard row."""

    model: str
    prior: str
    label: str
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    composite: str | None = None


def expand(registry, plugins, names, priors):
    """--models names (composite ids allowed) and --priors names → (base model names, PriorSpecs).

    A composite id (registry ``composites``, e.g. ``rae_gmm: {base: rae, prior: gmm}``) stands for
    its base model with its prior; ``--priors`` apply to every model named directly.
    """
    models_known = plugins.all("model")
    comps = registry.composites
    for p in priors:
        plugins.get("prior", p)
    bases, specs = [], []
    for name in names:
        if name in comps:
            if name in models_known:
                raise LpbenchError(
                    f"'{name}' is both a registered model (plugin '{models_known[name].plugin}') and a "
                    f"composite in {registry.path} (composites.{name}); remove one of them"
                )
            c = comps[name]
            if c["base"] in comps:
                raise LpbenchError(f"composites.{name}.base '{c['base']}' is itself a composite; name a model")
            plugins.get("model", c["base"])
            plugins.get("prior", c["prior"])
            extra = c.get("settings") or {}
            registry.prior_settings(c["prior"], plugins, extra, f"composites.{name}.settings")
            label = c["prior"] if not extra else name
            bases.append(c["base"])
            specs.append(PriorSpec(c["base"], c["prior"], label, dict(extra), name))
        else:
            if name not in models_known:
                plugins.get("model", name)  # the standard error: did-you-mean, plugins that failed to load
            bases.append(name)
            specs.extend(PriorSpec(name, p, p) for p in priors)
    bases = list(dict.fromkeys(bases))
    seen, unique = set(), []
    for s in specs:
        if (s.model, s.label) not in seen:
            seen.add((s.model, s.label))
            unique.append(s)
    for s in unique:
        registry.prior_settings(s.prior, plugins, s.settings)
    return bases, unique


def prior_dir(model_dir, label: str) -> Path:
    return Path(model_dir) / PRIORS_DIR / label


# ------------------------------------------------------------------------------------- driver


def run_priors(model_records, prior_specs, opts, registry, plugins, echo=None) -> list[dict]:
    """For every completed model run: codes, the decoder's ceiling, then each of its priors.

    ``model_records`` are the records ``run_grid`` returned (skipped ones included). Returns the
    prior records (failed ones carry ``error``); a failure of one prior never stops the others.
    """
    out = []
    by_model: dict[str, list[PriorSpec]] = {}
    for s in prior_specs:
        by_model.setdefault(s.model, []).append(s)
    for rec in model_records:
        if rec.get("status") != "completed":
            continue
        folder = records.run_dir(opts.runs_dir, rec["dataset"], rec["budget"], rec["model"], rec["seed"])
        specs = by_model.get(rec["model"], [])
        # the model's run.json gains the ceiling: hold its run lock so a concurrent `lpbench run`
        # on the same folder (another process) neither retrains it nor writes it meanwhile
        lock = RunLock(folder)
        told = False
        try:
            while (holder := lock.acquire()) is not None:
                if echo and not told:
                    echo(f"{rec['model']} seed {rec['seed']}: waiting for the model run's lock ({holder.get('pid')})")
                    told = True
                time.sleep(2.0)
        except store.StoreError as e:  # no lock can be made there (read-only, disk full): leave the folder as it is
            out.extend(_failed_unrecorded(s, rec, e) for s in specs)
            if echo:
                echo(f"{rec['model']} seed {rec['seed']}: prior axis not updated: {e}")
            continue
        try:
            out.extend(_one_model(folder, rec, specs, opts, registry, plugins, echo))
        finally:
            lock.release()
    return out


def _one_model(folder, rec, specs, opts, registry, plugins, echo) -> list[dict]:
    out = []
    caps = plugins.get("model", rec["model"]).capabilities()
    if not specs and not ("encode" in caps and "decode" in caps):
        return out  # no priors asked for and no encoder to reconstruct with: nothing to load
    try:
        # codes are saved (priors/codes.pt) only when priors will use them; the ceiling alone
        # re-encodes cheaply and leaves the model's folder as the run left it (plus run.json fields)
        axis = _ModelAxis(folder, opts, registry, plugins, persist_codes=bool(specs))
    except Exception as e:
        for s in specs:
            out.append(_failed(folder, s, rec, e))
        return out
    if axis.can_reconstruct() or specs:
        try:
            axis.ceiling()
        except Exception as e:
            log.warning("ceiling of %s failed: %s", folder, e)
            log.debug("", exc_info=True)
            if echo:
                echo(f"{rec['model']} seed {rec['seed']}: decoder ceiling failed: {_describe(e)}")
    for s in specs:
        prec = axis.run_prior(s)
        out.append(prec)
        if echo:
            status = "skipped (already completed)" if prec.get("skipped") else prec["status"]
            detail = f": {prec['error']}" if prec.get("error") else ""
            echo(f"{rec['model']} × prior {s.label} seed {rec['seed']}: {status}{detail}")
    return out


def _failed_unrecorded(spec, model_rec, e) -> dict:
    return {
        "model": spec.model,
        "prior": spec.label,
        "dataset": model_rec["dataset"],
        "budget": model_rec["budget"],
        "seed": model_rec["seed"],
        "status": "failed",
        "error": str(e),
        "metrics": {},
    }


def _failed(folder, spec, model_rec, e) -> dict:
    pfolder = prior_dir(folder, spec.label)
    pfolder.mkdir(parents=True, exist_ok=True)
    rec = {
        "model": spec.model,
        "prior": spec.label,
        "prior_plugin": spec.prior,
        "composite": spec.composite,
        "dataset": model_rec["dataset"],
        "budget": model_rec["budget"],
        "seed": model_rec["seed"],
        "status": "failed",
        "error": _describe(e),
        "metrics": {},
    }
    store.atomic_write_bytes(pfolder / "error.txt", "".join(traceback.format_exception(e)).encode())
    records.write_record(pfolder, rec)
    return rec


def _describe(e) -> str:
    from .errors import DataError, RunFailed

    return str(e) if isinstance(e, (LpbenchError, DataError, RunFailed)) else f"{type(e).__name__}: {e}"


class _ModelAxis:
    """One trained model run and everything the prior axis derives from it."""

    def __init__(self, folder, opts, registry, plugins, persist_codes: bool = True):
        from .runner import load_model, resolve_device

        self.folder = Path(folder)
        self.opts, self.registry, self.plugins = opts, registry, plugins
        self.model, self.rec = load_model(folder, registry, plugins)
        self.model.name = self.rec["model"]
        self.device = resolve_device(opts.device)
        if hasattr(self.model, "to"):
            self.model.to(self.device)
        self.seed = int(self.rec["seed"])
        self.resolved = registry.resolve(
            self.rec["model"], self.rec["dataset"], self.rec["budget"], plugins, getattr(opts, "overrides", None)
        )
        self.budget = self.resolved.budget
        self.kind = plugins.get("dataset", self.rec["dataset"]).kind
        self._codes = None
        self.persist_codes = persist_codes

    # -------------------------------------------------------------------------- capabilities

    def can_reconstruct(self) -> bool:
        """Autoencoders: the ceiling needs nothing but one encode/decode pass."""
        return self.model.has("encode") and self.model.has("decode")

    def _need_decoder(self):
        if not self.model.has("decode"):
            raise LpbenchError(
                f"model '{self.rec['model']}' has no decode(z): a latent prior cannot be decoded into samples"
            )

    # --------------------------------------------------------------------------------- data

    def _split(self, split):
        from .runner import load_split

        return load_split(self.plugins, self.resolved, split, self.seed, self.opts.data_root)

    def _metrics(self):
        """The dataset's (or --metrics) metrics that score samples; those needing the model (PAG
        on generator reversal) describe the model, not a prior's samples, and are left out."""
        from .evaluation import build_metrics

        names = self.opts.metrics or self.resolved.evaluation["metrics"]
        return build_metrics(self.plugins, names, self.resolved.metric_settings, explicit=False)[0]

    def _evaluate(self, metrics, samples, out_dir):
        from .evaluation import score_samples

        return score_samples(
            self.plugins,
            samples,
            metrics,
            dataset=self.rec["dataset"],
            seed=self.seed,
            evaluation=self.resolved.evaluation,
            data_settings=self.resolved.data_settings,
            data_root=self.opts.data_root,
            reference_data=self._split(self.resolved.evaluation["reference_split"]),
            extractor_options=getattr(self.opts, "extractor_options", None),
            device=self.device,
            out_dir=out_dir,
        )

    def n_eval(self) -> int:
        test = self._split(self.resolved.evaluation["reference_split"])
        return min(self.budget.eval_samples, len(test))

    # -------------------------------------------------------------------------------- codes

    def codes(self) -> dict:
        """{"train": [N, d], "heldout": [M, d], "source", "seconds", ...}: computed once per model
        run and saved, so every prior (and every later invocation) sees the very same codes."""
        import torch

        if self._codes is not None:
            return self._codes
        path = self.folder / PRIORS_DIR / CODES_FILE
        if path.exists():
            try:
                self._codes = store.read_torch(path, what="codes file")
                return self._codes
            except store.Malformed as e:
                log.warning("ignoring %s; recomputing the codes", e)
        self._need_decoder()
        t0 = time.perf_counter()
        train, test = self._split("train"), self._split("test")
        out = {}
        if self.model.has("encode"):
            out["source"] = "encoder"
            out["train"] = self._encode(train)
            out["heldout"] = self._encode(test)
        else:
            out["source"] = "reversal"
            axis = self.registry.prior_axis()
            for name, data, offset in (("train", train, 1), ("heldout", test, 2)):
                rev = self._reverse(data, axis, offset)
                out[name] = rev.codes
                out[f"{name}_reconstruction_mse"] = float(rev.errors.mean())
                out[f"{name}_reversal_converged"] = float(rev.converged.float().mean())
                out[f"{name}_reversal_mean_steps"] = float(rev.steps.float().mean())
            out["reversal"] = {
                k: axis.get(k)
                for k in (
                    "reversal_steps",
                    "reversal_lr",
                    "reversal_optimizer",
                    "reversal_init_std",
                    "reversal_tol",
                    "reversal_window",
                )
            }
        out["seconds"] = time.perf_counter() - t0
        if self.persist_codes:
            import io

            buf = io.BytesIO()
            torch.save(out, buf)
            store.atomic_write_bytes(path, buf.getvalue())
        self._codes = out
        return out

    def _encode(self, data, chunk: int = 512):
        import torch

        zs = []
        with torch.no_grad():
            for i in range(0, len(data), chunk):
                x = data.as_float(data.x[i : i + chunk]).to(self.device)
                zs.append(self.model.encode(x).detach().float().cpu())
        return torch.cat(zs)

    def _reverse(self, data, axis, offset):
        import torch

        from .reversal import reverse

        x = data.as_float(data.x).to(self.device)
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + 70_000 + offset)
        return reverse(
            self.model.decode,
            x,
            self.model.latent_dim,
            steps=int(axis.get("reversal_steps", 1000)),
            lr=float(axis.get("reversal_lr", 0.05)),
            init_std=float(axis.get("reversal_init_std", 1e-4)),
            tol=float(axis.get("reversal_tol", 1e-4)),
            window=int(axis.get("reversal_window", 100)),
            generator=g,
            optimizer=axis.get("reversal_optimizer", "sgd"),
            batch_size=1024,
        )

    def decode(self, z, chunk: int = 512):
        import torch

        xs = []
        with torch.no_grad():
            for i in range(0, len(z), chunk):
                xs.append(self.model.decode(z[i : i + chunk].to(self.device)).detach().float().cpu())
        x = torch.cat(xs)
        if self.kind == "image":
            x = x.clamp(0, 1)  # float rounding of a sigmoid can step past 1 by an ulp
        return x

    # ------------------------------------------------------------------------------ ceiling

    def ceiling(self) -> None:
        """Metrics on reconstructions of held-out data → the model's run.json (``ceiling``),
        with the gap of its own samples and the latent agreement of its native prior. Only what
        is missing is computed, and run.json is rewritten only when something was added."""
        import copy

        import torch

        from .evaluation import check_samples

        metrics = self._metrics()
        rec = records.read_record(self.folder)
        before = copy.deepcopy(rec)
        have = rec.get("ceiling") or {}
        todo = {
            m: o
            for m, o in metrics.items()
            if not any(p.get("metric") == m for p in (rec.get("ceiling_provenance") or {}).values())
        }
        need_latent = "latent" not in rec and self.model.has("sample_prior")
        n = self.n_eval()
        if todo or need_latent:
            codes = self.codes()
            rec["codes"] = {
                "source": codes["source"],
                "seconds": codes["seconds"],
                **{k: v for k, v in codes.items() if k.endswith("_mse")},
            }
        if todo:
            # the held-out codes of the very points the samples are scored against
            # (reference_subset's permutation): a prior that reproduced them would score the ceiling
            test = self._split("test")
            perm = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[:n]
            t0 = time.perf_counter()
            recon = self.decode(codes["heldout"][perm])
            check_samples(recon, self.kind, tuple(test.item_shape), what="reconstructions")
            values, prov, _ = self._evaluate(todo, recon, out_dir=None)
            for k in prov:
                prov[k] = {**prov[k], "reconstructed_split": "test", "codes": codes["source"]}
            have = {**have, **values}
            rec["ceiling"] = have
            rec["ceiling_provenance"] = {**(rec.get("ceiling_provenance") or {}), **prov}
            rec.setdefault("timings", {})["ceiling_s"] = time.perf_counter() - t0
        rec["gap"] = gaps(
            rec.get("metrics") or {}, have, self._higher(rec.get("metric_provenance")), rec.get("metric_provenance")
        )
        if need_latent:
            z = self.model.sample_prior(n, torch.Generator().manual_seed(self.seed + 10_000))
            rec["latent"] = self._latent(z)
        rec.setdefault("prior", NATIVE)
        if rec != before:
            records.write_record(self.folder, rec)
        self.rec = rec

    def _higher(self, provenance) -> dict:
        """Value name → higher is better, through the metric that produced each value."""
        by_metric = {n: e.cls.higher_is_better for n, e in self.plugins.all("metric").items()}
        return {k: by_metric.get(p.get("metric", k), False) for k, p in (provenance or {}).items()}

    def _latent(self, z) -> dict:
        from .latent import agreement

        return agreement(
            self.codes()["heldout"], z.detach().float().cpu(), sigma=self.model.prior_sigma, seed=self.seed
        )

    # -------------------------------------------------------------------------------- priors

    def run_prior(self, spec: PriorSpec) -> dict:
        pfolder = prior_dir(self.folder, spec.label)
        settings = self.registry.prior_settings(spec.prior, self.plugins, spec.settings)
        config = {
            "prior": spec.prior,
            "settings": settings,
            "latent_dim": self.model.latent_dim,
            "aux_epochs": self.budget.aux_epochs,
            "batch_size": self.budget.batch_size,
            "composite": spec.composite,
        }
        metrics = self._metrics()
        old = None
        try:
            old = records.read_record(pfolder)
        except ValueError:
            pass
        force = getattr(self.opts, "force", False)
        if old and old.get("config") != config:
            old = None  # the prior's settings or the budget changed: refit
        if (
            old
            and not force
            and old.get("status") == "completed"
            and all(any(p.get("metric") == m for p in old.get("metric_provenance", {}).values()) for m in metrics)
        ):
            old["skipped"] = True
            return old
        from .runner import environment

        rec = {
            "model": spec.model,
            "prior": spec.label,
            "prior_plugin": spec.prior,
            "composite": spec.composite,
            "dataset": self.rec["dataset"],
            "budget": self.rec["budget"],
            "seed": self.seed,
            "status": "running",
            "error": None,
            "metrics": dict(old.get("metrics", {})) if old else {},
            "metric_provenance": dict(old.get("metric_provenance", {})) if old else {},
            "timings": dict(old.get("timings", {})) if old else {},
            "config": config,
            "environment": environment(str(self.device), self.plugins),
            "artifacts": {},
            "model_run": str(self.folder),
        }
        pfolder.mkdir(parents=True, exist_ok=True)
        records.write_record(pfolder, rec)
        try:
            self._prior_execute(spec, settings, pfolder, rec, metrics, force or old is None)
            rec["status"] = "completed"
            (pfolder / "error.txt").unlink(missing_ok=True)
        except KeyboardInterrupt:
            rec.update(status="failed", error="interrupted (Ctrl-C); rerun the same command to resume")
            records.write_record(pfolder, rec)
            raise
        except Exception as e:
            rec["status"], rec["error"] = "failed", _describe(e)
            store.atomic_write_bytes(pfolder / "error.txt", traceback.format_exc().encode())
            log.debug("prior %s failed", spec.label, exc_info=True)
        records.write_record(pfolder, rec)
        # No run_finished hook here: its implementations (the MLflow tracker) locate the runs
        # directory from a model run folder's depth, which a priors/<prior> folder does not have.
        return rec

    def _prior_execute(self, spec, settings, pfolder, rec, metrics, refit):
        import io

        import torch

        from .context import PriorContext, seed_everything
        from .evaluation import check_samples

        self._need_decoder()
        codes = self.codes()
        cls = self.plugins.get("prior", spec.prior)
        prior = cls(self.model.latent_dim, settings, sigma=self.model.prior_sigma)
        prior.name = spec.prior
        path = pfolder / PRIOR_FILE
        if refit:  # new settings, budget or --force: a checkpoint of the old fit must not be resumed
            from .context import CHECKPOINT

            (pfolder / CHECKPOINT).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        if not path.exists():
            seed_everything(self.seed)
            train = codes["train"]
            steps = self.budget.aux_steps(len(train)) if cls.trainable else 0
            ctx = PriorContext(
                device=str(self.device),
                seed=self.seed,
                run_dir=pfolder,
                total_steps=steps,
                log_every=self.budget.log_every,
                checkpoint_every=self.budget.checkpoint_every,
                max_wall_s=self.budget.max_wall_s,
                batch_size=self.budget.batch_size,
                budget=self.budget,
            )
            t0 = time.perf_counter()
            prior.fit(train, ctx)
            rec["timings"]["prior_fit_s"] = time.perf_counter() - t0
            ctx.finish()
            rec["steps"] = ctx.total_steps  # a prior may count its passes at its own batch size
            buf = io.BytesIO()
            torch.save(prior.state_dict(), buf)
            store.atomic_write_bytes(path, buf.getvalue())
            rec["metrics"], rec["metric_provenance"] = {}, {}  # a new fit invalidates old scores
        else:
            prior.load_state_dict(store.read_torch(path, what="fitted prior file"))
        rec["timings"]["train_s"] = (self.rec.get("timings") or {}).get("train_s")
        rec["timings"]["codes_s"] = codes["seconds"]
        rec["artifacts"]["prior"] = PRIOR_FILE

        n = self.n_eval()
        t0 = time.perf_counter()
        z = prior.sample(n, torch.Generator().manual_seed(self.seed + 10_000))
        z = z.detach().float().cpu()
        if tuple(z.shape) != (n, self.model.latent_dim) or not torch.isfinite(z).all():
            raise LpbenchError(
                f"prior '{spec.prior}' returned codes of shape {tuple(z.shape)} (finite: {bool(torch.isfinite(z).all())}); "
                f"expected finite [{n}, {self.model.latent_dim}]"
            )
        samples = self.decode(z)
        test = self._split("test")
        check_samples(
            samples, self.kind, tuple(test.item_shape), what=f"samples of '{spec.model}' under prior '{spec.prior}'"
        )
        rec["timings"]["sample_s"] = time.perf_counter() - t0

        todo = {
            m: o for m, o in metrics.items() if not any(p.get("metric") == m for p in rec["metric_provenance"].values())
        }
        if todo:
            t0 = time.perf_counter()
            values, prov, _ = self._evaluate(todo, samples, out_dir=pfolder)
            rec["timings"]["eval_s"] = time.perf_counter() - t0
            rec["metrics"].update(values)
            rec["metric_provenance"].update(prov)
        t0 = time.perf_counter()
        rec["latent"] = self._latent(z)
        rec["timings"]["latent_s"] = time.perf_counter() - t0
        if prior.has_log_prob():
            with torch.no_grad():
                rec["latent"]["latent_nll"] = float(-prior.log_prob(codes["heldout"]).mean())
        ceiling = (records.read_record(self.folder) or {}).get("ceiling") or {}
        rec["ceiling"] = ceiling
        rec["gap"] = gaps(rec["metrics"], ceiling, self._higher(rec["metric_provenance"]), rec["metric_provenance"])
        from .evaluation import reference_subset
        from .figures import save_samples_figure

        rec["artifacts"]["samples"] = save_samples_figure(
            samples,
            self.kind,
            pfolder,
            reference=reference_subset(self._split(self.resolved.evaluation["reference_split"]), n),
        )


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
