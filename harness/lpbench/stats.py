"""Uncertainty over seeds: t-intervals, two-sample tests, Holm's correction and rank groups.

Seeds are few (3–5), so every interval is Student's t on the mean (a bootstrap over 3–5 values
cannot reach its nominal coverage), and every test is a t-test: Welch's when two models' seeds are
unrelated, paired by seed when the seed fixes something both runs share (the drawn data set and
reference set of a seeded dataset).
"""

from __future__ import annotations

import math

CONFIDENCE = 0.95
ALPHA = 0.05
INTERVAL = "95% t-interval of the mean over seeds"
RANK_TEST = (
    f"Welch t-test of each row against the best row of the rank, Holm-corrected over the rows compared, α = {ALPHA}"
)


def _clean(values) -> list[float]:
    return [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def summary(values) -> dict:
    """{n, mean, std, ci_low, ci_high}: sample std (ddof 1) and the t-interval of the mean; the
    spread and interval are None with fewer than 2 values."""
    from scipy import stats

    v = _clean(values)
    n = len(v)
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "ci_low": None, "ci_high": None}
    mean = sum(v) / n
    if n < 2:
        return {"n": n, "mean": mean, "std": None, "ci_low": None, "ci_high": None}
    std = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * std / math.sqrt(n)
    return {"n": n, "mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half}


def _degenerate_p(diff_mean: float, scale: float) -> float | None:
    """Two constant samples (zero spread) cannot be t-tested: equal means are indistinguishable
    (p = 1), different ones are as distinct as the data can show (p = 0)."""
    if scale > 0:
        return None
    return 1.0 if abs(diff_mean) <= 1e-12 else 0.0


def compare(a, b, paired: bool = False) -> dict:
    """Two-sided t-test of a against b → {test, n_a, n_b, mean_diff (a − b), effect_size,
    effect_size_name, p_value, significant}. Paired: a and b are aligned by seed; effect size
    d_z = mean(a − b) / sd(a − b). Welch: Cohen's d with the pooled standard deviation."""
    from scipy import stats

    a, b = _clean(a), _clean(b)
    out = {
        "test": "paired t-test (by seed)" if paired else "Welch t-test",
        "n_a": len(a),
        "n_b": len(b),
        "alpha": ALPHA,
    }
    if paired and len(a) != len(b):
        raise ValueError(f"a paired test needs equal-length samples, got {len(a)} and {len(b)}")
    if len(a) < 2 or len(b) < 2:
        return {
            **out,
            "mean_diff": None,
            "effect_size": None,
            "effect_size_name": None,
            "p_value": None,
            "significant": None,
        }
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    if paired:
        d = [x - y for x, y in zip(a, b)]
        sd = summary(d)["std"]
        p = _degenerate_p(ma - mb, sd)
        if p is None:
            p = float(stats.ttest_rel(a, b).pvalue)
        effect, name = ((ma - mb) / sd if sd > 0 else None), "d_z"
    else:
        sa, sb = summary(a)["std"], summary(b)["std"]
        p = _degenerate_p(ma - mb, sa + sb)
        if p is None:
            p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        pooled = math.sqrt(((len(a) - 1) * sa**2 + (len(b) - 1) * sb**2) / (len(a) + len(b) - 2))
        effect, name = ((ma - mb) / pooled if pooled > 0 else None), "cohen_d"
    return {
        **out,
        "mean_diff": ma - mb,
        "effect_size": effect,
        "effect_size_name": name,
        "p_value": p,
        "significant": bool(p < ALPHA),
    }


def holm(p_values) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order (controls the family-wise error)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


# A row needs this many seeds to be ranked: with 1 there is no test, and with 2 Welch's test has at
# most about 1 degree of freedom (t quantile 12.7 at α = 0.05), so it separates almost nothing.
RANK_MIN_SEEDS = 3


def rank_groups(samples: list, higher_is_better: bool = False) -> list[int | None]:
    """Rank group of each row (1 = statistically indistinguishable from the best row).

    samples: per row, its per-seed values. Rows are taken best mean first; the best remaining
    row opens a rank and every remaining row that a Welch t-test (Holm-corrected over the rows
    compared in that step) cannot tell from it joins that rank; repeat on the rest. Rows with
    fewer than RANK_MIN_SEEDS seeds get None: counted as level with the best, a one- or two-seed
    row of any value would sit at rank 1.
    """
    rows = {i: _clean(s) for i, s in enumerate(samples)}
    means = {i: sum(v) / len(v) for i, v in rows.items() if len(v) >= RANK_MIN_SEEDS}
    groups: list[int | None] = [None] * len(samples)
    remaining = sorted(means, key=lambda i: -means[i] if higher_is_better else means[i])
    rank = 0
    while remaining:
        rank += 1
        best, rest = remaining[0], remaining[1:]
        groups[best] = rank
        p = [_p_or_one(rows[best], rows[i]) for i in rest]
        adjusted = holm(p) if p else []
        same = [i for i, q in zip(rest, adjusted) if q >= ALPHA]
        for i in same:
            groups[i] = rank
        remaining = [i for i in rest if i not in same]
    return groups


def _p_or_one(a, b) -> float:
    """Welch p-value (both sides have RANK_MIN_SEEDS seeds or more here)."""
    p = compare(a, b)["p_value"]
    return 1.0 if p is None else p
