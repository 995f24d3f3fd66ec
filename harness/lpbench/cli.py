"""The command line: parse, call the library, render. Data on stdout; progress and warnings on stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import LpbenchError

LIST_KINDS = {
    "models": "model",
    "metrics": "metric",
    "datasets": "dataset",
    "extractors": "feature_extractor",
    "priors": "prior",
}


class _Group(click.Group):
    """Turns user errors into one clear line and exit code 2; tracebacks only with --debug.
    Option defaults come from lpbench.toml and LPBENCH_* variables (lpbench.config)."""

    def make_context(self, info_name, args, parent=None, **extra):
        from . import config

        self._config, self._config_error, self._args = None, None, list(args)
        try:
            self._config = config.resolve(self)
            extra.setdefault("default_map", self._config.default_map)
        except LpbenchError as e:  # reported when a command runs, so --help still works
            self._config_error = e
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        import os

        undo = {}
        try:
            if getattr(self, "_config_error", None) is not None:
                raise self._config_error
            if getattr(self, "_config", None) is not None:
                undo = self._config.export_plugin_settings()
            return super().invoke(ctx)
        except click.BadParameter as e:
            origin = self._origin(e)
            if origin is None:  # typed on the command line: Click's own message names the flag
                raise
            click.echo(f"Error: Invalid value for '{e.param.opts[0]}' from the {origin}: {e.message}", err=True)
            ctx.exit(2)
        except LpbenchError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {e}{self._origins_of_flags(str(e), ctx.invoked_subcommand)}", err=True)
            ctx.exit(e.exit_code)
        finally:
            for name in undo:  # plugin settings from the file live only as long as the command
                os.environ.pop(name, None)

    def _origin(self, e: click.BadParameter) -> str | None:
        """Where a bad option value came from when it was not typed: a variable or lpbench.toml."""
        from click.core import ParameterSource

        sub, param = e.ctx, e.param
        if sub is None or param is None or not param.name:
            return None
        source = sub.get_parameter_source(param.name)
        if source is ParameterSource.ENVIRONMENT and param.envvar:
            return f"environment ({param.envvar})"
        if source is ParameterSource.DEFAULT_MAP and self._config is not None:
            key = next((o[2:] for o in param.opts if o.startswith("--")), param.name)
            return self._config.sources.get((sub.info_name if sub.parent else "", key))
        return None

    def _origins_of_flags(self, message: str, command: str | None) -> str:
        """' (--runs-dir came from …)' for each flag a message names whose value was not typed."""
        import re

        if self._config is None:
            return ""
        notes = []
        for key in dict.fromkeys(re.findall(r"--([a-z][a-z-]*)", message)):
            typed = any(a == f"--{key}" or a.startswith(f"--{key}=") for a in self._args)
            src = self._config.sources.get((command or "", key)) or self._config.sources.get(("", key))
            if src and not typed:
                notes.append(f"--{key} came from the {src}")
        return f" ({'; '.join(notes)})" if notes else ""


# Seeds feed NumPy and scikit-learn generators (< 2**32), offset by up to 10 000 (lpbench.runner)
MAX_SEED = 2**31 - 1


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _seeds(ctx, param, value):
    try:
        seeds = [int(s) for s in _csv(value)]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers like 0,1,2, got '{value}'") from None
    if any(not 0 <= s <= MAX_SEED for s in seeds):
        raise click.BadParameter(f"seeds must be non-negative integers (at most {MAX_SEED}), got '{value}'")
    return seeds or [0]


# ----------------------------------------------------------------------------- shell completion


# Options several commands share, defined once so that their names, defaults and help agree.
RUNS_DIR = click.option("--runs-dir", default="runs", type=click.Path(file_okay=False), show_default=True)
DEVICE = click.option("--device", default="auto", type=click.Choice(["auto", "cpu", "cuda"]), show_default=True)
DATA_ROOT = click.option(
    "--data-root", default=None, type=click.Path(file_okay=False), help="Where datasets live or are downloaded."
)
INCEPTION_WEIGHTS = click.option(
    "--inception-weights",
    default=None,
    type=click.Path(dir_okay=False),
    envvar="LPBENCH_INCEPTION_WEIGHTS",
    help="Inception-v3 weights file for fid/is/kid offline (env: LPBENCH_INCEPTION_WEIGHTS).",
)
THREADS = click.option(
    "--threads",
    default=None,
    type=click.IntRange(min=1),
    help="CPU threads per run (env: LPBENCH_THREADS); default: cores // workers, capped at the measured best "
    "(1). Results depend on it; run.json records it.",
)


def _complete_names(kind: str, comma_list: bool = False):
    """A shell_complete callback offering registered names (read from the plugin registry);
    for comma-separated options it completes the last item."""

    def complete(ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        head, _, last = incomplete.rpartition(",") if comma_list else ("", "", incomplete)
        prefix = f"{head}," if head else ""
        done = set(head.split(",")) if head else set()
        try:
            entries = _plugins().all(kind)
        except Exception:  # completion must never print a traceback into the shell
            return []
        return [
            CompletionItem(prefix + name, help=e.cls.description)
            for name, e in entries.items()
            if name.startswith(last) and name not in done
        ]

    return complete


def _complete_budgets(ctx, param, incomplete):
    from click.shell_completion import CompletionItem

    try:
        registry = _registry(ctx.find_root())
        dataset = ctx.params.get("dataset")
        datasets = [dataset] if dataset in registry.datasets else list(registry.datasets)
        names = dict.fromkeys(b for ds in datasets for b in registry.budget_names(ds))
    except Exception:
        return []
    return [CompletionItem(b) for b in names if b.startswith(incomplete)]


def _registry_path(ctx):
    return (ctx.obj or {}).get("registry_path") or ctx.params.get("registry_path")


def _registry(ctx):
    from .registry import Registry

    return Registry.load(_registry_path(ctx))


def _plugins():
    from .plugins import get_plugins

    return get_plugins()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--registry",
    "registry_path",
    type=click.Path(dir_okay=False),
    envvar="LPBENCH_REGISTRY",
    help="registry.yaml to use instead of the project's (env: LPBENCH_REGISTRY).",
)
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(package_name="lpbench")
@click.pass_context
def main(ctx, registry_path, debug):
    """lpbench: train generative models with flexible or learned latent priors under one
    standardized architecture and budget, evaluate them with the same metrics, and tabulate.

    \b
    Main job:   lpbench run --models vae --dataset digits
    Tables:     lpbench leaderboard
    """
    ctx.ensure_object(dict)
    ctx.obj.update(registry_path=registry_path, debug=debug)
    import logging
    import warnings

    # a skipped record's warning is a message for the user, not a pointer into lpbench's source
    warnings.formatwarning = lambda message, category, *a, **k: f"Warning: {message}\n"

    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# ------------------------------------------------------------------------------------------ run


@main.command()
@click.option(
    "--models",
    required=True,
    shell_complete=_complete_names("model", comma_list=True),
    help="Comma-separated model names (see 'lpbench list models').",
)
@click.option(
    "--priors",
    default=None,
    shell_complete=_complete_names("prior", comma_list=True),
    help="Comma-separated latent priors to fit on every model's codes (see 'lpbench list priors').",
)
@click.option(
    "--dataset",
    required=True,
    shell_complete=_complete_names("dataset"),
    help="Dataset name (see 'lpbench list datasets').",
)
@click.option(
    "--budget",
    default=None,
    shell_complete=_complete_budgets,
    help="Budget tier (smoke|cpu|paper…); default from the registry.",
)
@click.option("--seeds", default="0", callback=_seeds, help="Comma-separated integer seeds.  [default: 0]")
@click.option(
    "--metrics",
    default=None,
    shell_complete=_complete_names("metric", comma_list=True),
    help="Comma-separated metrics; default: the dataset's.",
)
@RUNS_DIR
@DEVICE
@DATA_ROOT
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting: <model>.<hparam>, <metric>.<setting>, budget.<field>, data.<setting>, latent_dim.",
)
@click.option("--force", is_flag=True, help="Rerun runs that already completed.")
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(min=1),
    show_default=True,
    help="Runs at once (local: a process pool; each worker gets cores/N torch threads).",
)
@click.option(
    "--executor",
    "executor_name",
    default="local",
    show_default=True,
    help="Where runs execute: local, or dask (with --scheduler).",
)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@INCEPTION_WEIGHTS
@THREADS
@click.pass_context
def run(
    ctx,
    models,
    priors,
    dataset,
    budget,
    seeds,
    metrics,
    runs_dir,
    device,
    data_root,
    sets,
    force,
    workers,
    executor_name,
    scheduler,
    quiet,
    inception_weights,
    threads,
):
    """Train each model × seed on DATASET under its standardized architecture and budget,
    evaluate, record one run folder each, and refresh the dataset's leaderboard. With --priors
    (or a composite id such as rae_gmm), each trained model is then evaluated under every prior.

    Exit code 0 when every run completed, 1 when some failed (the others still run)."""
    from . import library
    from .progress import Reporter

    shown = []

    def display(specs):
        shown.append(Reporter(total=len(specs), quiet=quiet))
        return shown[0]

    result = library.run(
        _csv(models),
        dataset,
        priors=_csv(priors),
        budget=budget,
        seeds=seeds,
        metrics=_csv(metrics) or None,
        runs_dir=runs_dir,
        device=device,
        data_root=data_root,
        overrides=sets,
        force=force,
        workers=workers,
        executor=executor_name,
        scheduler=scheduler,
        threads=threads,
        inception_weights=inception_weights,
        registry=_registry_path(ctx),
        display=display,
        on_note=lambda spec, note: click.echo(f"[{spec.label}] {note}", err=True),
        echo=None if quiet else (lambda line: click.echo(line, err=True)),
    )
    shown[0].summary(result.runs)
    if not result.ok:
        ctx.exit(1)


# ----------------------------------------------------------------------------------------- list


@main.command("list")
@click.argument("what", type=click.Choice(["models", "metrics", "datasets", "budgets", "extractors", "priors"]))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects.")
@click.pass_context
def list_(ctx, what, as_json):
    """List registered models (and the registry's composites), metrics, datasets, feature
    extractors, latent priors, or the registry's budgets."""
    if what == "budgets":
        registry = _registry(ctx)
        items = [
            {
                "name": b,
                "dataset": ds,
                "plugin": "registry",
                "description": spec.get("description", ""),
                **{k: v for k, v in spec.items() if k != "description"},
            }
            for ds, d in registry.datasets.items()
            for b, spec in d["budgets"].items()
        ]
    else:
        items = []
        for name, entry in _plugins().all(LIST_KINDS[what]).items():
            cls = entry.cls
            item = {"name": name, "plugin": entry.plugin, "description": cls.description}
            if what == "models":
                item.update(family=cls.family, capabilities=cls.capabilities())
            if what == "metrics":
                item.update(higher_is_better=cls.higher_is_better, needs=list(cls.needs))
            if what == "datasets":
                item.update(kind=cls.kind, shape=list(cls.shape))
            if what == "priors":
                item.update(trainable=cls.trainable, defaults=cls.defaults)
            items.append(item)
        if what == "models":
            for name, c in _registry(ctx).composites.items():
                items.append(
                    {
                        "name": name,
                        "plugin": "registry",
                        "family": "composite",
                        "description": c.get("description") or f"{c['base']} with the {c['prior']} prior",
                        "base": c["base"],
                        "prior": c["prior"],
                    }
                )
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    cols = ["name", "dataset", "plugin", "description"] if what == "budgets" else ["name", "plugin", "description"]
    _print_table(items, cols)


def _print_table(items, cols):
    from rich.console import Console
    from rich.table import Table

    if not sys.stdout.isatty():
        for it in items:
            click.echo("\t".join(str(it.get(c, "")) for c in cols))
        return
    t = Table(*cols)
    for it in items:
        t.add_row(*(str(it.get(c, "")) for c in cols))
    Console().print(t)


# -------------------------------------------------------------------------------------- plugins


@main.command()
@click.option("--json", "as_json", is_flag=True)
def plugins(as_json):
    """Installed plugins, their versions, what each registers, and load errors."""
    report = _plugins().report()
    items = [
        {
            "name": p.name,
            "version": p.version,
            "source": p.source,
            "registers": p.registers,
            "errors": [{"stage": s, "message": m} for s, m, _tb in p.errors],
        }
        for p in report
    ]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    for it in items:
        regs = "; ".join(f"{k}s: {', '.join(v)}" for k, v in it["registers"].items()) or "nothing"
        click.echo(f"{it['name']} {it['version'] or ''}  ({it['source']})\n  registers {regs}")
        for e in it["errors"]:
            click.echo(f"  ERROR during {e['stage']}: {e['message']}")


# ---------------------------------------------------------------------------------- leaderboard


@main.command()
@RUNS_DIR
@click.option("--dataset", default=None, shell_complete=_complete_names("dataset"), help="Only this dataset.")
@click.option("--budget", default=None, shell_complete=_complete_budgets, help="Only this budget's tables.")
@click.option(
    "--format",
    "fmt",
    default=None,
    type=click.Choice(["md", "csv", "json", "latex", "html"]),
    help="Output format (default: a table on a terminal, md otherwise; all formats with --out).",
)
@click.option("--out", default=None, type=click.Path(file_okay=False), help="Write files OUT/<dataset>/<budget>.<ext>.")
@click.option(
    "--values",
    default=None,
    help="Comma-separated values to show (names as in run.json's metrics, e.g. fid,prd_recall); default: all "
    "(on a terminal: each metric's headline value).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: regenerate the tables from the run records and compare them with the files "
    "in --out; exit 1 if any differs, is missing or has no records.",
)
@click.pass_context
def leaderboard(ctx, runs_dir, dataset, budget, fmt, out, values, check):
    """One row per (dataset, budget, model) and per reference row: each value's mean ± std and
    95% t-interval over seeds, the seed count and train seconds, sorted by the dataset's primary
    metric, with rank groups (Welch t-tests against the best, Holm-corrected)."""
    from . import library
    from . import tables as lb

    if check and not out:
        raise LpbenchError("--check compares with published tables: pass --out DIR, the folder that holds them")
    chosen = _csv(values) or None
    tables = library.leaderboard(runs_dir, dataset=dataset, budget=budget, values=chosen, registry=_registry_path(ctx))
    if check:
        problems = lb.check(tables, out, formats=[fmt] if fmt else list(lb.FORMATS), dataset=dataset, budget=budget)
        for p in problems:
            click.echo(p, err=True)
        if problems:
            click.echo(
                f"{len(problems)} table file(s) under {out} do not match the run records in {runs_dir}; "
                f"regenerate them with: lpbench leaderboard --runs-dir {runs_dir} --out {out}",
                err=True,
            )
            ctx.exit(1)
        click.echo(f"{len(tables)} table(s) under {out} match the run records in {runs_dir}.")
        return
    if not tables:
        click.echo(f"No completed runs under {runs_dir}.", err=True)
        return
    if out:
        for path in lb.write(tables, out, formats=[fmt] if fmt else list(lb.FORMATS)):
            click.echo(str(path))
        return
    if fmt is None and sys.stdout.isatty():
        from rich.console import Console

        console = Console()
        for table in tables.values():
            console.print(terminal_table(table, every=chosen is not None))
        return
    click.echo(lb.render_all(tables, fmt or "md"), nl=False)


def terminal_table(table, every: bool = False):
    """The leaderboard as a rich table for a terminal: the headline values (every value the table
    holds with ``every``: --values chose them), best cells in bold, narrow enough for 120 columns."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from . import tables as lb

    headers, rows, best, title = lb.headline_view(table, table.attrs["metrics"] if every else None)
    shown = set(table.attrs["metrics"] if every else table.attrs["headline"])
    rest = sorted({table.attrs["value_names"][v] for v in table.attrs["metrics"] if v not in shown})
    caption = lb.legend(table) + (
        f" {len(rest)} more values: --values NAME,... (e.g. {', '.join(rest[:4])})." if rest else ""
    )
    # Text, not markup: "fid [digits_cnn]" is no style tag
    t = Table(
        title=Text(title),
        caption=Text(caption),
        box=box.SIMPLE_HEAD,
        caption_justify="left",
        pad_edge=False,
        collapse_padding=True,
    )
    for i, h in enumerate(headers):  # names are never cut; a value cell wraps at its "±" instead
        t.add_column(
            Text(h),
            justify="left" if i < 2 else "right",
            no_wrap=i < 3,
            min_width=max([len(h)] + [len(r[i]) for r in rows]) if i < 3 else max(map(len, h.split())),
        )
    for i, row in enumerate(rows):
        t.add_row(*(Text(c, style="bold" if (i, j) in best else "") for j, c in enumerate(row)))
    return t


# ---------------------------------------------------------------------------------------- score


@main.command()
@click.argument("samples", type=click.Path())
@click.option("--dataset", required=True, shell_complete=_complete_names("dataset"))
@click.option(
    "--metrics",
    default=None,
    shell_complete=_complete_names("metric", comma_list=True),
    help="Comma-separated metrics; default: the dataset's.",
)
@click.option("--reference", default=None, type=click.Path(), help="An array file to use as the reference set.")
@DATA_ROOT
@click.option("--seed", default=0, type=int, show_default=True, help="Seed for seeded metrics and synthetic data.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: metric name → value.")
@INCEPTION_WEIGHTS
@THREADS
@click.pass_context
def score(ctx, samples, dataset, metrics, reference, data_root, seed, as_json, inception_weights, threads):
    """Evaluate SAMPLES made by anything (.npy/.npz array, or a folder of PNGs) against the
    dataset's reference split with the same metric plugins as 'lpbench run'."""
    from . import library

    values = library.score(
        samples,
        dataset,
        metrics=_csv(metrics) or None,
        reference=reference,
        data_root=data_root,
        seed=seed,
        threads=threads,
        inception_weights=inception_weights,
        registry=_registry_path(ctx),
    )
    prov = values.provenance
    if as_json:
        click.echo(json.dumps(values))
        return
    for k, v in values.items():
        p = prov[k]
        click.echo(
            f"{k}\t{v:.6g}\t(extractor {p['extractor']}, n={p['n_generated']} vs {p['n_reference']} {p['reference_split']})"
        )


# ------------------------------------------------------------------------------------- evaluate


@main.command("evaluate")
@click.argument("runs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--metrics",
    default=None,
    shell_complete=_complete_names("metric", comma_list=True),
    help="Comma-separated metrics to (re-)score; default: the dataset's default metrics each run lacks.",
)
@DEVICE
@DATA_ROOT
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list: one {run, metrics, values} per run.")
@INCEPTION_WEIGHTS
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="METRIC.SETTING=VALUE",
    help="Override a metric's setting for this evaluation (pag.steps=1000); the run's recorded settings otherwise.",
)
@THREADS
@click.pass_context
def evaluate_(ctx, runs, metrics, device, data_root, as_json, inception_weights, sets, threads):
    """Score completed RUNS (run folders, or runs directories) from their saved models, without
    retraining: the same samples are drawn again, the checkpoint is only read, and the new values,
    their provenance and the evaluation's timings are merged into each run.json atomically.

    Exit code 0 when every run was scored (or had nothing to score), 1 when some could not be."""
    from . import library

    def show(result):
        if "error" in result:
            click.echo(f"{result['run']}: not scored: {result['error']}", err=True)
            return
        if not as_json:
            shown = ", ".join(f"{k} {v:.6g}" for k, v in result["values"].items()) or "nothing to score"
            click.echo(f"{result['run']}: {shown}")
            if result["samples_match"] is False:
                click.echo(
                    f"{result['run']}: warning: the saved model no longer draws the samples the run was "
                    f"scored on (samples_sha256 differs); the new values are recorded with that flag",
                    err=True,
                )

    results = library.evaluate(
        runs,
        metrics=_csv(metrics) or None,
        device=device,
        data_root=data_root,
        overrides=sets,
        threads=threads,
        inception_weights=inception_weights,
        registry=_registry_path(ctx),
        on_result=show,
    )
    out = [{k: r[k] for k in ("run", "metrics", "values")} for r in results if "error" not in r]
    failed = len(results) - len(out)
    if as_json:
        click.echo(json.dumps(out, indent=2))
    if failed:
        ctx.exit(1)


# ----------------------------------------------------------------------------------- references


@main.command()
@click.option("--dataset", required=True, shell_complete=_complete_names("dataset"))
@click.option(
    "--budget",
    default=None,
    shell_complete=_complete_budgets,
    help="The budget whose tables get the rows (its eval_samples is the sample count); default from the registry.",
)
@click.option(
    "--seeds",
    default="0,1,2,3,4",
    callback=_seeds,
    show_default=True,
    help="Comma-separated seeds: one draw (and one baseline fit) per seed.",
)
@click.option(
    "--only",
    default=None,
    help="Comma-separated references (default: all): real_data, memorizer, pca_gmm, pixel_gaussian.",
)
@RUNS_DIR
@DATA_ROOT
@click.option("--force", is_flag=True, help="Recompute references that are already recorded.")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="data.SETTING=VALUE",
    help="A data setting, as the runs of the table were given it (data.radius=0.8).",
)
@click.option("--quiet", "-q", is_flag=True, help="No per-row output.")
@INCEPTION_WEIGHTS
@click.pass_context
def references(ctx, dataset, budget, seeds, only, runs_dir, data_root, force, sets, quiet, inception_weights):
    """Score the reference rows of DATASET's tables with its metrics: held-out real data (the
    floor), a memorizer (training items as samples), and the baselines pca_gmm and pixel_gaussian.
    They are recorded under RUNS_DIR/<dataset>/<budget>/references/ and shown, marked "ref", in
    every leaderboard table of that dataset and budget."""
    from . import library
    from . import references as refs
    from .registry import parse_overrides

    registry, plugins_ = _registry(ctx), _plugins()
    budget = registry.budget(dataset, budget).name
    overrides = parse_overrides(sets, [])
    if set(overrides) - {"data"}:
        raise LpbenchError(f"lpbench references takes only data.<setting> in --set, got: {', '.join(sets)}")
    runs_path = library.writable_dir(runs_dir)
    refs.compute(
        dataset,
        budget,
        seeds,
        runs_path,
        registry=registry,
        plugins=plugins_,
        names=_csv(only) or None,
        overrides=overrides,
        data_root=data_root,
        extractor_options=library.extractor_options(inception_weights),
        force=force,
        echo=None if quiet else (lambda line: click.echo(line, err=True)),
    )
    library.refresh_leaderboard(registry, plugins_, runs_path, dataset)
    click.echo(str(runs_path / dataset / budget / refs.FOLDER))


# ----------------------------------------------------------------------------------------- show


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the whole run.json.")
def show(run_dir, as_json):
    """Show one run's record: status, metrics, timings, and where its artifacts are."""
    from . import records

    rec = records.read_record(run_dir)
    if rec is None:
        raise LpbenchError(f"{run_dir} holds no run.json (expected RUNS_DIR/<dataset>/<budget>/<model>/seed<k>)")
    if as_json:
        click.echo(json.dumps(rec, indent=2))
        return
    prior = f" × prior {rec['prior']}" if rec.get("prior") not in (None, "native") else ""
    click.echo(f"{rec['model']}{prior} on {rec['dataset']}/{rec['budget']} seed {rec['seed']}: {rec['status']}")
    if rec.get("error"):
        click.echo(f"error: {rec['error']}")
    for k, v in (rec.get("metrics") or {}).items():
        ex = rec.get("metric_provenance", {}).get(k, {}).get("extractor", "")
        click.echo(f"  {k:<14} {_number(v, '.6g')}" + (f"   [{ex}]" if ex not in ("", "samples", "raw") else ""))
    for section in ("ceiling", "gap", "latent"):  # the prior axis (README "Priors as an axis")
        if rec.get(section):
            click.echo(f"{section}: " + ", ".join(f"{k} {_number(v, '.4g')}" for k, v in rec[section].items()))
    t = rec.get("timings") or {}
    click.echo("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in t.items() if isinstance(v, (int, float))))
    for k, v in (rec.get("artifacts") or {}).items():
        click.echo(f"  {k}: {Path(run_dir) / v}")


def _number(v, spec: str) -> str:
    return "–" if v is None else format(v, spec)  # null: a value that was not finite


# --------------------------------------------------------------------------------------- sample


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-n", "n", default=64, show_default=True, type=click.IntRange(min=1), help="How many samples.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="A .png (image grid, or a scatter for 2-D data) or a .npy array.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the sampling generator.")
@click.pass_context
def sample(ctx, run_dir, n, out, seed):
    """Draw new samples from the trained model saved in RUN_DIR."""
    from .sampling import sample_run

    click.echo(str(sample_run(run_dir, n, out, seed, _registry(ctx), _plugins())))


# --------------------------------------------------------------------------------------- report


@main.command()
@RUNS_DIR
@click.option(
    "--out", default="report.html", show_default=True, type=click.Path(dir_okay=False), help="The HTML file to write."
)
@click.option("--dataset", default=None, shell_complete=_complete_names("dataset"), help="Only this dataset.")
@click.option(
    "--figures",
    default=None,
    metavar="NAME,...",
    help="Only these figures in each run's section (default: every one it has), e.g. samples,density,curves_plot.",
)
@click.pass_context
def report(ctx, runs_dir, out, dataset, figures):
    """One static, self-contained HTML page: the leaderboard per dataset and budget, PRD curves
    compared, and every run with its figures (images embedded; opens without a network)."""
    from . import library, store
    from .errors import UnknownNameError
    from .report import write_report
    from .run_figures import CAPTIONS

    registry, plugins_ = _registry(ctx), _plugins()
    if dataset:
        registry.dataset(dataset)
    figures = _csv(figures) if figures is not None else None
    for name in figures or ():
        if name not in CAPTIONS:
            raise UnknownNameError("figure", name, list(CAPTIONS))
    if not Path(runs_dir).is_dir():
        raise LpbenchError(f"runs directory {runs_dir} does not exist; run 'lpbench run' first or pass --runs-dir")
    store.check_output(out, "--out")  # before the work: a device or a FIFO there is never replaced
    path, n_runs = write_report(
        runs_dir, out, library.higher_is_better(plugins_), library.primaries(registry), dataset=dataset, figures=figures
    )
    if n_runs == 0:
        click.echo(f"No runs under {runs_dir}; the report says so.", err=True)
    click.echo(str(path))


# --------------------------------------------------------------------------------------- config


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {key, value, source, commands}.")
@click.pass_context
def config_(ctx, as_json):
    """Effective defaults and where each comes from: command line > LPBENCH_* environment >
    lpbench.toml (or $LPBENCH_CONFIG) > built-in."""
    from . import config

    group = ctx.find_root().command
    # as resolved before this command ran (plugin settings from the file are exported since)
    cfg = getattr(group, "_config", None) or config.resolve(group)
    items = [
        {"key": s.key, "value": s.value, "source": s.source, "commands": s.commands} for s in cfg.settings.values()
    ]
    if as_json:
        click.echo(json.dumps(items, indent=2, default=str))
        return
    click.echo(
        f"config file: {cfg.path or f'none (looked for ./{config.FILE_NAME}; set {config.CONFIG_ENV} to use another)'}",
        err=True,
    )
    _print_table([{**i, "value": "–" if i["value"] is None else i["value"]} for i in items], ["key", "value", "source"])


# ------------------------------------------------------------------------------ train-evaluator

from .train_evaluator import train_evaluator  # noqa: E402  (a command in its own module)

main.add_command(train_evaluator)
