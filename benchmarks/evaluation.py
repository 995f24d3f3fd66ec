"""Speed of the evaluation pipeline, measured side by side in one process.

(a) fid+is+kid+prd together vs fid alone (goal ≤ 1.15×): one feature pass serves all metrics.
(b) a second evaluation against the same reference vs the first (goal ≤ 0.5×): the reference
    features come from the on-disk cache, so only the generated samples are embedded.
(c) batched generator reversal (lpbench.reverse on all 256 points at once) vs a per-sample loop
    (goal ≥ 50× faster), for the standardized decoders of digits (conv) and eight_gaussians (MLP);
    the codes of both agree (reported as the largest difference).

(a) and (b) run with torch-fidelity's Inception-v3 (the default extractor for image datasets) and
with the offline digits_cnn. Inception's weights cannot be downloaded here: unless
LPBENCH_INCEPTION_WEIGHTS names the real file, the network is built with random weights, which
costs exactly the same to run (the figures are timings, not scores). Images are digits' 8×8 test
and train images; Inception resizes every input to 299×299, so the cost per image is that of any
dataset. Each comparison alternates A-B-B-A and takes medians (the machine is shared).

    python benchmarks/evaluation.py [--n 360] [--n-inception 64] [--repeats 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch


def inception_weights(tmp: Path) -> tuple[str, str]:
    """(path, what) — the real weights if given, else the same architecture with random weights."""
    given = os.environ.get("LPBENCH_INCEPTION_WEIGHTS")
    if given:
        return given, "torch-fidelity Inception-v3 weights"
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    empty = tmp / "empty.pt"
    torch.save({}, empty)
    load = FeatureExtractorInceptionV3.load_state_dict
    FeatureExtractorInceptionV3.load_state_dict = lambda self, sd, *a, **k: None
    try:
        torch.manual_seed(0)
        net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path=str(empty))
    finally:
        FeatureExtractorInceptionV3.load_state_dict = load
    path = tmp / "inception-random.pt"
    torch.save(net.state_dict(), path)
    return str(path), "random weights, same architecture (timing only)"


def metric_objects(names):
    import yaml

    from lpbench.plugins import get_plugins
    from lpbench.registry import default_path

    settings = yaml.safe_load(Path(default_path()).read_text())["metrics"]
    return {m: get_plugins().get("metric", m)(settings.get(m)) for m in names}


def timed_eval(names, extractor, gen, ref, use_cache):
    from lpbench.evaluation import evaluate

    metrics = metric_objects(names)  # reading the registry is not part of an evaluation
    t = time.perf_counter()
    evaluate(
        metrics, dataset="digits", kind="image", samples=gen, reference=ref, extractor=extractor, use_cache=use_cache
    )
    return time.perf_counter() - t


def bench_pipeline(extractor, gen_sets, ref, repeats):
    """(a) and (b) for one extractor. gen_sets: distinct generated sets for the cache runs."""
    extractor.extract(ref[:2])  # load the network and torch-fidelity before timing
    alone, together = [], []
    for _ in range(repeats):  # A-B-B-A
        alone.append(timed_eval(["fid"], extractor, gen_sets[0], ref, False))
        together.append(timed_eval(["fid", "is", "kid", "prd"], extractor, gen_sets[0], ref, False))
        together.append(timed_eval(["fid", "is", "kid", "prd"], extractor, gen_sets[0], ref, False))
        alone.append(timed_eval(["fid"], extractor, gen_sets[0], ref, False))
    first, second = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["LPBENCH_CACHE"] = cache
            first.append(timed_eval(["fid"], extractor, gen_sets[0], ref, True))  # cold reference cache
            second.append(timed_eval(["fid"], extractor, gen_sets[1], ref, True))  # other samples, same reference
    a = statistics.median(together) / statistics.median(alone)
    b = statistics.median(second) / statistics.median(first)
    return {
        "fid_alone_s": statistics.median(alone),
        "fid_is_kid_prd_s": statistics.median(together),
        "a_together_over_fid_alone": a,
        "a_goal": "<= 1.15",
        "a_met": a <= 1.15,
        "first_eval_s": statistics.median(first),
        "second_eval_s": statistics.median(second),
        "b_second_over_first": b,
        "b_goal": "<= 0.5",
        "b_met": b <= 0.5,
        "raw": {"alone": alone, "together": together, "first": first, "second": second},
    }


def bench_reversal(decode, x, latent_dim, steps):
    import lpbench

    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    t = time.perf_counter()
    zb, eb = lpbench.reverse(decode, x, latent_dim, steps=steps, lr=0.05, generator=g())
    batched = time.perf_counter() - t
    # the loop draws the same initial codes (all N up front), then reverses one point at a time
    t = time.perf_counter()
    zl, el = lpbench.reverse(decode, x, latent_dim, steps=steps, lr=0.05, generator=g(), batch_size=1)
    loop = time.perf_counter() - t
    return {
        "points": len(x),
        "steps": steps,
        "batched_s": batched,
        "loop_s": loop,
        "speedup": loop / batched,
        "goal": ">= 50",
        "met": loop / batched >= 50,
        "max_code_difference": float((zb - zl).abs().max()),
    }


def decoder_for(dataset):
    from lpbench import nets
    from lpbench.plugins import get_plugins
    from lpbench.registry import Registry

    reg = Registry.load()
    ds = reg.dataset(dataset)
    arch = reg.data["architectures"][ds["architecture"]]
    shape = get_plugins().get("dataset", dataset).shape
    torch.manual_seed(0)
    dec = nets.decoder(arch, ds["latent_dim"], shape).eval()
    dec.requires_grad_(False)
    return dec, ds["latent_dim"], shape


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=360, help="generated = reference samples per digits_cnn evaluation")
    p.add_argument(
        "--n-inception",
        type=int,
        default=64,
        help="samples per Inception evaluation (≈0.2–0.8 s per image on one busy CPU core)",
    )
    p.add_argument("--repeats", type=int, default=3, help="A-B-B-A blocks for digits_cnn (Inception: 1)")
    p.add_argument("--reversal-points", type=int, default=256)
    p.add_argument("--reversal-steps", type=int, default=20)
    p.add_argument("--skip-inception", action="store_true")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "evaluation.json"))
    args = p.parse_args()
    torch.set_num_threads(1)

    from lpbench.plugins import get_plugins

    digits = get_plugins().get("dataset", "digits")()
    test, train = digits.load("test"), digits.load("train")
    n = min(args.n, len(test))
    ref = test.as_float(test.x[:n])
    gens = [train.as_float(train.x[i * n : (i + 1) * n]) for i in range(2)]
    result = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
        },
        "n_generated": n,
        "n_reference": n,
        "repeats": args.repeats,
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["digits_cnn"] = bench_pipeline(
            get_plugins().get("feature_extractor", "digits_cnn")(), gens, ref, args.repeats
        )
        print("digits_cnn", json.dumps({k: v for k, v in result["digits_cnn"].items() if k != "raw"}), flush=True)
        if not args.skip_inception:
            path, what = inception_weights(Path(tmp))
            ex = get_plugins().get("feature_extractor", "inception-v3-compat")({"inception_weights": path})
            k = min(args.n_inception, n)
            result["inception-v3-compat"] = {
                "weights": what,
                "n_generated": k,
                "n_reference": k,
                **bench_pipeline(ex, [g[:k] for g in gens], ref[:k], 1),
            }
            print(
                "inception",
                json.dumps({k: v for k, v in result["inception-v3-compat"].items() if k != "raw"}),
                flush=True,
            )

    x_img = gens[0][: args.reversal_points]
    dec, d, _ = decoder_for("digits")
    result["reversal_conv_digits"] = bench_reversal(dec, x_img, d, args.reversal_steps)
    print("reversal conv", json.dumps(result["reversal_conv_digits"]), flush=True)
    dec, d, _ = decoder_for("eight_gaussians")
    pts = get_plugins().get("dataset", "eight_gaussians")().load("test", seed=0).x[: args.reversal_points]
    result["reversal_mlp_eight_gaussians"] = bench_reversal(dec, pts, d, args.reversal_steps)
    print("reversal mlp", json.dumps(result["reversal_mlp_eight_gaussians"]), flush=True)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
