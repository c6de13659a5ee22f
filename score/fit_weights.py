#!/usr/bin/env python3
"""Fits the evidence weights of the confidence score to the dev corpora.

The engine scores an edge by noisy-OR over its evidence (crates/lineage-engine/src/score.rs):
`confidence = 1 - prod(1 - w[k])` over the kinds k of evidence the edge carries (the strongest
piece of each kind). This script finds the weights under which that stated confidence best
matches what the corpora show: a maximum a posteriori fit of the noisy-OR likelihood (an
edge in the case's expected.json is right, any other is wrong), with a Beta prior on each
weight centred on the hand-set weight and worth PRIOR_EDGES edges. The prior keeps a kind the
corpora rarely or never show (model evidence: `make score` runs without the model) at its
hand-set weight, and stops a corpus where every edge is right from driving weights to 1.

It prints the table (the data behind each weight, its prior and its fit), the expected
calibration error (ECE) of the hand-set and the fitted weights on each corpus, and the
cross-corpus ECE (weights fitted on one corpus, measured on the other), which is the honest
figure for runs the fit never saw. With --write-rust it writes the table the engine reads.

Usage:
    fit_weights.py --corpus NAME CORPUS_DIR DOCS_DIR [--corpus ...] [--write-rust OUT.rs]
                   [--check RUST_TABLE]

DOCS_DIR holds one `<case>.json` per case: the OpenLineage RunEvent of `lineage-agent extract`
run with `validation.min_confidence_score: 0` (every edge reported, candidates included) and
without storage checks. --check exits 1 when the weights in RUST_TABLE differ from a fresh fit
by more than 0.005 (the corpora or the extractor changed: run `make fit-weights`).
"""
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calibration import cases, table  # noqa: E402

# The hand-set weights (what one piece of the kind alone makes us believe), the prior's centre.
# `model-literal` is model evidence whose dataset is named as written in the run's evidence;
# `storage-confirmed` is storage evidence dated inside the run window.
PRIORS = {
    "script": 0.90,
    "studio-dag": 0.90,
    "argument": 0.85,
    "extra": 0.80,
    "log": 0.75,
    "model": 0.60,
    "model-literal": 0.75,
    "storage-confirmed": 0.30,
}
# How many edges the prior is worth: the fit moves a weight halfway to what the data say once
# this many edges carry its kind.
PRIOR_EDGES = 20.0
# Bounds of a fitted weight: never certain, never worthless.
LOW, HIGH = 0.05, 0.99
CHECK_TOLERANCE = 0.005


def kinds_of(evidence):
    """The weight classes of an edge's evidence, as the engine's evidence_weight sees them."""
    out = set()
    for e in evidence or []:
        kind, rule = e.get("kind"), str(e.get("rule", ""))
        if kind == "model" and rule == "model.grounded.literal":
            out.add("model-literal")
        elif kind == "storage":
            if rule.endswith(".confirmed"):
                out.add("storage-confirmed")
        elif kind in PRIORS:
            out.add(kind)
    return frozenset(out)


def noisy_or(kinds, w):
    disbelief = 1.0
    for k in kinds:
        disbelief *= 1.0 - w[k]
    return 1.0 - disbelief if kinds else 0.0


def edges_of(corpus, docs):
    """(kinds, stated confidence, right) of every reported edge of every case."""
    per_case, missing = cases(corpus, docs, tool="fit_weights")
    edges = [(kinds_of(evidence), conf, k in expected[d])
             for expected, preds in per_case for d, k, conf, evidence in preds]
    return edges, missing


def fit(edges):
    """MAP weights: gradient ascent on log-likelihood + Beta log-prior, in logit space."""
    w = dict(PRIORS)
    logit = {k: math.log(v / (1 - v)) for k, v in w.items()}
    for _ in range(4000):
        grad = {k: 0.0 for k in w}
        for kinds, _, right in edges:
            if not kinds:
                continue
            p = min(max(noisy_or(kinds, w), 1e-9), 1 - 1e-9)
            disbelief = 1.0 - p
            for k in kinds:
                # d p / d w_k = prod_{j != k} (1 - w_j) = disbelief / (1 - w_k)
                dp = disbelief / (1.0 - w[k])
                dll = dp / p if right else -dp / (1.0 - p)
                grad[k] += dll * w[k] * (1.0 - w[k])  # chain rule through the logit
        for k, prior in PRIORS.items():
            # Beta(1 + PRIOR_EDGES * prior, 1 + PRIOR_EDGES * (1 - prior)): its mode is the prior,
            # so a kind no edge carries keeps its hand-set weight. d/dlogit of
            # (a-1) log w + (b-1) log(1-w) = (a-1)(1-w) - (b-1) w
            a1, b1 = PRIOR_EDGES * prior, PRIOR_EDGES * (1.0 - prior)
            grad[k] += a1 * (1.0 - w[k]) - b1 * w[k]
        step = 0.01
        for k in w:
            logit[k] += step * grad[k]
            w[k] = min(max(1.0 / (1.0 + math.exp(-logit[k])), LOW), HIGH)
            logit[k] = math.log(w[k] / (1 - w[k]))
    return {k: round(v, 3) for k, v in w.items()}


def rescored(edges, old, new):
    """Pairs (confidence, right) under new weights, keeping each edge's contradiction factor
    (its stated confidence over what its evidence alone gives under the old weights)."""
    out = []
    for kinds, conf, right in edges:
        plain = noisy_or(kinds, old)
        factor = min(conf / plain, 1.0) if plain > 0 else 1.0
        out.append((noisy_or(kinds, new) * factor, right))
    return out


def counts(edges):
    n = {k: [0, 0] for k in PRIORS}
    for kinds, _, right in edges:
        for k in kinds:
            n[k][0] += 1
            n[k][1] += 1 if right else 0
    return n


def rust_table(weights, n, sources):
    rows = "\n".join(
        f'    FittedWeight {{\n        evidence: "{k}",\n        prior: {PRIORS[k]:.3f},\n'
        f'        edges: {n[k][0]},\n        right: {n[k][1]},\n        weight: {weights[k]:.3f},\n    }},'
        for k in PRIORS
    )
    return f"""//! The fitted evidence weights (generated by `make fit-weights`: score/fit_weights.py; do not
//! edit by hand). Each row: the evidence class, its hand-set prior, how many edges of the
//! corpora carried it and how many of those were right, and the weight fitted to them
//! (a maximum a posteriori noisy-OR fit with a Beta prior worth {PRIOR_EDGES:.0f} edges).
//! Data: {sources}.

/// One evidence class's weight and the data it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FittedWeight {{
    pub evidence: &'static str,
    pub prior: f64,
    pub edges: u32,
    pub right: u32,
    pub weight: f64,
}}

/// The table, one row per evidence class.
pub const FITTED: &[FittedWeight] = &[
{rows}
];
"""


def read_rust(path):
    with open(path) as f:
        text = f.read()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'evidence: "([a-z-]+)".*?weight: ([0-9.]+)', text, re.S)}


def main(argv):
    args, sets, write, check = argv[1:], {}, None, None
    i = 0
    while i < len(args):
        if args[i] == "--corpus" and i + 3 < len(args):
            name, corpus, docs = args[i + 1: i + 4]
            if not os.path.isdir(corpus) or not os.path.isdir(docs):
                print(f"fit_weights: {corpus} or {docs} is not a folder", file=sys.stderr)
                return 2
            sets[name] = edges_of(corpus, docs)
            i += 4
        elif args[i] in ("--write-rust", "--check") and i + 1 < len(args):
            if args[i] == "--write-rust":
                write = args[i + 1]
            else:
                check = args[i + 1]
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if not sets:
        print(__doc__, file=sys.stderr)
        return 2
    pooled = [e for edges, _ in sets.values() for e in edges]
    weights, n = fit(pooled), counts(pooled)
    # The corpora were scored under the weights the engine had then; take them from the
    # table when it exists so the contradiction factors are recovered exactly.
    current = dict(PRIORS)
    if check or write:
        try:
            current.update(read_rust(check or write))
        except OSError:
            pass
    print(f"== fitted evidence weights ({len(pooled)} edges; prior worth {PRIOR_EDGES:.0f} edges)")
    print("| evidence | edges | right | prior | in use | fitted |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k in PRIORS:
        print(f"| {k} | {n[k][0]} | {n[k][1]} | {PRIORS[k]:.3f} | {current[k]:.3f} | {weights[k]:.3f} |")
    print("== expected calibration error (ECE) per corpus")
    print("| corpus | edges | in use | fitted on all | fitted on the other corpora |")
    print("| --- | --- | --- | --- | --- |")
    for name, (edges, missing) in sets.items():
        others = [e for other, (es, _) in sets.items() if other != name for e in es]
        cross = table(rescored(edges, current, fit(others)))[1] if others else None
        print(f"| {name} | {len(edges)} | {table(rescored(edges, current, current))[1]} | "
              f"{table(rescored(edges, current, weights))[1]} | {cross if cross is not None else '-'} |")
        if missing:
            print(f"({name}: {missing} cases had no document)")
    if write:
        sources = ", ".join(f"{name} ({len(es)} edges)" for name, (es, _) in sets.items())
        with open(write, "w") as f:
            f.write(rust_table(weights, n, sources))
        print(f"wrote {write}")
    if check:
        stale = {k: (current.get(k), weights[k]) for k in PRIORS
                 if abs(current.get(k, -1) - weights[k]) > CHECK_TOLERANCE}
        if stale:
            print("fitted weights are stale (in use -> fresh fit): "
                  + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in stale.items())
                  + "; run `make fit-weights`", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
