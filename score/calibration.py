#!/usr/bin/env python3
"""Calibration of the confidence scores on a scored corpus: every dataset the extractor
reports (an input or output of its OpenLineage RunEvent, with the confidence of its
`lineage_evidence` facet) is bucketed by confidence, and each bucket shows how many of its
datasets the case's expected.json holds: a reliability table and the expected calibration
error (ECE: the bucket-size-weighted mean gap between stated confidence and observed
precision). A well-calibrated edge at 0.9 is right nine times in ten.

With --thresholds CONFIG_DIR it also prints, per environment overlay of CONFIG_DIR
(config-{env}.yaml and its `min_confidence_score`), the precision and recall the corpora get
when only edges at or above that threshold are accepted.

Usage:
    calibration.py --corpus NAME CORPUS_DIR PREDICTIONS_DIR [--corpus ...] [--json OUT]
                   [--thresholds CONFIG_DIR]

PREDICTIONS_DIR holds one `<case>.json` per case folder of CORPUS_DIR: the RunEvent of
`lineage-agent extract` with `min_confidence_score: 0` (`make score-edges` writes them to
target/all-edges), so candidates under any threshold count too. Names are compared after the
corpus format's normalisation (lower case, s3a/s3n -> s3, no trailing slash).
"""
import json
import os
import re
import sys

BUCKETS = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0001)]


def norm_namespace(ns):
    ns = str(ns).strip().lower()
    for scheme in ("s3a://", "s3n://"):
        if ns.startswith(scheme):
            ns = "s3://" + ns[len(scheme):]
    return ns.rstrip("/")


def key(ds):
    return norm_namespace(ds.get("namespace", "")) + "|" + str(ds.get("name", "")).strip().lower().rstrip("/")


def expected_of(case_dir):
    with open(os.path.join(case_dir, "expected.json")) as f:
        exp = json.load(f)
    return {d: {key(x) for x in exp.get(d) or [] if isinstance(x, dict)} for d in ("inputs", "outputs")}


def predictions_of(path):
    """(direction, key, confidence, evidence) of every dataset in the prediction file."""
    with open(path) as f:
        text = f.read().strip()
    if not text:
        return []
    docs = json.loads(text)
    docs = docs if isinstance(docs, list) else [docs]
    out = []
    for doc in docs:
        for d in ("inputs", "outputs"):
            for ds in doc.get(d) or []:
                facet = (ds.get("facets") or {}).get("lineage_evidence") or {}
                conf = facet.get("confidence")
                if isinstance(conf, (int, float)):
                    out.append((d, key(ds), float(conf), facet.get("evidence") or []))
    return out


def cases(corpus, predictions, tool="calibration"):
    """(expected, predictions) of each case of `corpus` that has a prediction file, and how
    many cases had none (or an unreadable one)."""
    found, missing = [], 0
    for case in sorted(os.listdir(corpus)):
        case_dir = os.path.join(corpus, case)
        if not os.path.isfile(os.path.join(case_dir, "expected.json")):
            continue
        pred = os.path.join(predictions, case + ".json")
        if not os.path.isfile(pred):
            missing += 1
            continue
        try:
            found.append((expected_of(case_dir), predictions_of(pred)))
        except (OSError, ValueError) as e:
            print(f"{tool}: {pred}: {e}", file=sys.stderr)
            missing += 1
    return found, missing


def table(pairs):
    """Rows per bucket and the ECE of (confidence, correct) pairs."""
    rows, n = [], len(pairs)
    ece = 0.0
    for lo, hi in BUCKETS:
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi]
        if not inside:
            continue
        conf = sum(c for c, _ in inside) / len(inside)
        prec = sum(1 for _, ok in inside if ok) / len(inside)
        ece += len(inside) / n * abs(prec - conf)
        rows.append({"bucket": f"[{lo:.1f}, {min(hi, 1.0):.1f}]", "edges": len(inside),
                     "mean_confidence": round(conf, 4), "precision": round(prec, 4),
                     "gap": round(prec - conf, 4)})
    return rows, (round(ece, 4) if n else None)


def calibrate(corpus, predictions, thresholds=None):
    per_case, missing = cases(corpus, predictions)
    pairs = [(c, k in exp[d]) for exp, preds in per_case for d, k, c, _ in preds]
    rows, ece = table(pairs)
    out = {"edges": len(pairs), "cases_without_prediction": missing, "buckets": rows, "ece": ece}
    if thresholds:
        out["thresholds"] = [dict(env=env, threshold=t, **precision_recall(per_case, t))
                             for env, t in thresholds]
    return out


def precision_recall(per_case, threshold):
    """Micro precision and recall over the cases when edges under `threshold` are dropped."""
    tp = fp = fn = 0
    for exp, preds in per_case:
        for d in ("inputs", "outputs"):
            kept = {k for dd, k, c, _ in preds if dd == d and c >= threshold}
            tp += len(kept & exp[d])
            fp += len(kept - exp[d])
            fn += len(exp[d] - kept)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "accepted": tp + fp}


def environment_thresholds(config_dir):
    """(environment, min_confidence_score) of each config-{env}.yaml overlay, else the base."""
    def threshold(path):
        with open(path) as f:
            m = re.search(r"^\s*min_confidence_score:\s*([0-9.]+)", f.read(), re.M)
        return float(m.group(1)) if m else None

    base = threshold(os.path.join(config_dir, "config.yaml"))
    out = []
    for env in ("dev", "test", "prod"):
        path = os.path.join(config_dir, f"config-{env}.yaml")
        t = threshold(path) if os.path.isfile(path) else None
        t = t if t is not None else base
        if t is not None:
            out.append((env, t))
    return out


def main(argv):
    args, results, out, corpora, thresholds = argv[1:], {}, None, [], None
    i = 0
    while i < len(args):
        if args[i] == "--corpus" and i + 3 < len(args):
            name, corpus, preds = args[i + 1: i + 4]
            if not os.path.isdir(corpus) or not os.path.isdir(preds):
                print(f"calibration: {corpus} or {preds} is not a folder", file=sys.stderr)
                return 2
            corpora.append((name, corpus, preds))
            i += 4
        elif args[i] == "--thresholds" and i + 1 < len(args):
            thresholds = environment_thresholds(args[i + 1])
            i += 2
        elif args[i] == "--json" and i + 1 < len(args):
            out = args[i + 1]
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
    for name, corpus, preds in corpora:
        results[name] = calibrate(corpus, preds, thresholds)
    if not results:
        print(__doc__, file=sys.stderr)
        return 2
    for name, r in results.items():
        print(f"== calibration: {name} ({r['edges']} reported datasets; ECE {r['ece']})")
        print("| confidence | datasets | mean confidence | precision | precision - confidence |")
        print("| --- | --- | --- | --- | --- |")
        for row in r["buckets"]:
            print(f"| {row['bucket']} | {row['edges']} | {row['mean_confidence']:.3f} | {row['precision']:.3f} | {row['gap']:+.3f} |")
        if r["cases_without_prediction"]:
            print(f"({r['cases_without_prediction']} cases had no prediction file)")
    if thresholds:
        print("== min_confidence_score per environment: what the corpora get")
        print("| environment | threshold | " + " | ".join(f"{n} precision | {n} recall" for n in results) + " |")
        print("| --- | --- | " + " | ".join("--- | ---" for _ in results) + " |")
        for j, (env, t) in enumerate(thresholds):
            cells = " | ".join(f"{r['thresholds'][j]['precision']:.3f} | {r['thresholds'][j]['recall']:.3f}"
                               for r in results.values())
            print(f"| {env} | {t} | {cells} |")
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
