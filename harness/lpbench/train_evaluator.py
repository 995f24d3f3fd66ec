"""`lpbench train-evaluator`: reproduce a trainable feature extractor (the offline digits
classifier) from the registry's settings and the dataset's train split."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import LpbenchError


@click.command("train-evaluator")
@click.option("--dataset", required=True, help="Labelled image dataset to train on (its train split).")
@click.option("--extractor", default=None, help="Trainable feature extractor; default: the dataset's.")
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Weights file to write (a .json with the test accuracy goes next to it); "
    "default: ./<extractor>.pt. The packaged weights change only with --packaged.",
)
@click.option(
    "--packaged",
    is_flag=True,
    help="Replace the extractor's packaged weights (what every evaluation uses) with the result.",
)
@click.option("--data-root", default=None, type=click.Path(file_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="No per-epoch output.")
@click.pass_context
def train_evaluator(ctx, dataset, extractor, out, packaged, data_root, quiet):
    """Train the feature extractor used to evaluate DATASET (e.g. digits_cnn) with the fixed seed
    and settings under 'extractors' in the registry; print its record (test accuracy, sha256).

    Reproducible: one thread, a fixed seed and a fixed batch order, so the same torch build on
    the same kind of CPU writes bit-identical weights (the same sha256). Another torch version
    may sum in another order: its weights differ in the last bits and its test accuracy by a
    fraction of a percent, and evaluations record the weights' sha256 so the two are never mixed."""
    if out and packaged:
        raise LpbenchError("give --out FILE or --packaged, not both")
    if out:  # refused before training: never a device node or a FIFO in place of the weights or their record
        from .store import check_output

        for path in (Path(out), Path(out).with_suffix(".json")):
            check_output(path, "--out")
    import torch

    from .plugins import get_plugins
    from .registry import Registry

    registry, plugins = Registry.load(ctx.obj.get("registry_path")), get_plugins()
    ds = registry.dataset(dataset)
    name = extractor or ds["evaluation"].get("feature_extractor", "raw")
    cls = plugins.get("feature_extractor", name)
    if not cls.trainable:
        raise LpbenchError(f"feature extractor '{name}' is not trainable (pass --extractor NAME of one that is)")
    given = registry.data.get("extractors", {}).get(name)
    if given is None:
        raise LpbenchError(f"{registry.path}: extractors.{name}: missing; it holds the training settings")
    unknown = set(given) - set(cls.train_defaults)
    if unknown:
        raise LpbenchError(
            f"{registry.path}: extractors.{name}: unknown keys {', '.join(sorted(unknown))} "
            f"(known: {', '.join(cls.train_defaults)})"
        )
    settings = {**cls.train_defaults, **given}
    ds_cls = plugins.get("dataset", dataset)
    data = ds_cls(registry.data_settings(dataset, plugins), data_root=Path(data_root) if data_root else None)
    train, test = data.load("train"), data.load("test")
    # One thread: the result must not depend on the machine's thread count.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        log = None if quiet else (lambda epoch, loss: click.echo(f"epoch {epoch}: loss {loss:.4f}", err=True))
        target = cls.default_weights_path() if packaged else (out or f"{name}.pt")
        info = cls.train(train, test, settings, target, log=log)
    finally:
        torch.set_num_threads(threads)
    click.echo(json.dumps(info, indent=2))
