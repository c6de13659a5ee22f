#!/usr/bin/env python3
"""Score a column-lineage command against the vectors in cases.jsonl.

Usage:
    python3 score/columns/score.py CMD... [--cases FILE] [--json OUT] [--jobs N]
                                          [--timeout S] [--min-f1 X] [--only REGEX]

CMD is the command to test, normally one quoted string that is split with shlex,
e.g. 'target/debug/lineage-agent sql --columns'. Several unquoted words also work
(`score.py target/debug/lineage-agent sql --columns`), and everything after a bare
`--` is taken as the command verbatim. For every case the scorer runs

    CMD --dialect <case dialect>

with the case SQL on stdin and expects one JSON object on stdout:

    {"inputs": [...], "outputs": [...], "columns": [
        {"table": "tab1", "column": "col1",
         "sources": [{"table": "tab2", "column": "col1", "transformation": "IDENTITY"}]}]}

Only "columns" is scored. See README.md in this folder for the conventions.
Exit status: 0 normally, 1 when --min-f1 is given and overall F1 is below it,
2 when the command cannot be started or the cases file is missing/invalid.
Standard library only.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CASES = os.path.join(HERE, "cases.jsonl")
OPTIONS = {"--cases", "--json", "--jobs", "--timeout", "--min-f1", "--only"}

USAGE = (
    "usage: score.py CMD... [--cases FILE] [--json OUT] [--jobs N] [--timeout S] "
    "[--min-f1 X] [--only REGEX]"
)


def die(msg, code=2):
    print(f"score.py: {msg}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------- arguments

def parse_args(argv):
    opts = {"--cases": DEFAULT_CASES, "--json": None, "--jobs": "4", "--timeout": "10",
            "--min-f1": None, "--only": None}
    words = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            words.extend(argv[i + 1:])
            break
        if tok in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        name, eq, val = tok.partition("=")
        if name in OPTIONS:
            if not eq:
                if i + 1 >= len(argv):
                    die(f"{name} needs a value\n{USAGE}")
                val = argv[i + 1]
                i += 1
            opts[name] = val
        else:
            words.append(tok)
        i += 1
    if not words:
        die(f"no command given\n{USAGE}")
    cmd = shlex.split(words[0]) if len(words) == 1 else words
    if not cmd:
        die(f"empty command\n{USAGE}")
    try:
        jobs = max(1, int(opts["--jobs"]))
        timeout = float(opts["--timeout"])
        min_f1 = None if opts["--min-f1"] is None else float(opts["--min-f1"])
        only = None if opts["--only"] is None else re.compile(opts["--only"])
    except (ValueError, re.error) as exc:
        die(f"bad option value: {exc}\n{USAGE}")
    return cmd, opts["--cases"], opts["--json"], jobs, timeout, min_f1, only


# ---------------------------------------------------------------- cases

def load_cases(path):
    if not os.path.isfile(path):
        die(f"cases file not found: {path}")
    cases, seen = [], set()
    try:
        with open(path, encoding="utf-8") as fh:
            for ln, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                c = json.loads(line)
                for key in ("id", "origin", "test", "dialect", "sql", "lineage"):
                    if key not in c:
                        raise ValueError(f"line {ln}: missing {key!r}")
                if c["id"] in seen:
                    raise ValueError(f"line {ln}: duplicate id {c['id']!r}")
                seen.add(c["id"])
                if not isinstance(c["sql"], str) or not isinstance(c["lineage"], list):
                    raise ValueError(f"line {ln}: bad sql/lineage")
                for p in c["lineage"]:
                    if not (isinstance(p, list) and len(p) == 4 and all(isinstance(x, str) for x in p)):
                        raise ValueError(f"line {ln}: lineage entries must be 4 strings")
                cases.append(c)
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        die(f"invalid cases file {path}: {exc}")
    if not cases:
        die(f"invalid cases file {path}: no cases")
    return cases


# ---------------------------------------------------------------- normalisation

QUOTES = {'"': '"', "`": "`", "[": "]", "'": "'"}
IDENT_RE = re.compile(r'^\s*(?:"[^"]*"|`[^`]*`|\[[^\]]*\]|[^\s"`\[\]().,\'*+\-/<>=|:;]+)'
                      r'(?:\s*\.\s*(?:"[^"]*"|`[^`]*`|\[[^\]]*\]|[^\s"`\[\]().,\'*+\-/<>=|:;]+))*\s*$')


def split_dotted(name):
    """Split on dots that are not inside quotes/backticks/brackets."""
    parts, cur, close = [], [], None
    for ch in name:
        if close:
            cur.append(ch)
            if ch == close:
                close = None
        elif ch in QUOTES and ch != "'":
            close = QUOTES[ch]
            cur.append(ch)
        elif ch == ".":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def unquote(part):
    part = part.strip()
    if len(part) >= 2 and part[0] in QUOTES and part[-1] == QUOTES[part[0]]:
        part = part[1:-1]
    return part.strip()


def norm_table(name):
    if name is None:
        return ""
    name = str(name).strip()
    if not name:
        return ""
    return ".".join(unquote(p) for p in split_dotted(name)).lower()


def norm_column(name):
    if name is None:
        return ""
    name = str(name).strip()
    if IDENT_RE.match(name):  # plain or quoted identifier, possibly dotted
        name = ".".join(unquote(p) for p in split_dotted(name))
    return re.sub(r"\s+", "", name).lower()


def norm_pair(src_table, src_col, tgt_table, tgt_col, match_target_table=True):
    return (norm_table(src_table), norm_column(src_col),
            norm_table(tgt_table) if match_target_table else "", norm_column(tgt_col))


def expected_pairs(case):
    mt = case.get("match_target_table", True)
    return {norm_pair(*p, match_target_table=mt) for p in case["lineage"]}


def produced_pairs(obj, match_target_table=True):
    if not isinstance(obj, dict):
        raise ValueError("output is not a JSON object")
    cols = obj.get("columns")
    if cols is None:
        return set()
    if not isinstance(cols, list):
        raise ValueError('"columns" is not a list')
    pairs = set()
    for col in cols:
        if not isinstance(col, dict):
            raise ValueError('"columns" entry is not an object')
        sources = col.get("sources") or []
        if not isinstance(sources, list):
            raise ValueError('"sources" is not a list')
        for src in sources:
            if not isinstance(src, dict):
                raise ValueError('"sources" entry is not an object')
            pairs.add(norm_pair(src.get("table"), src.get("column"),
                                col.get("table"), col.get("column"), match_target_table))
    return pairs


# ---------------------------------------------------------------- running

class CannotStart(Exception):
    pass


def parse_stdout(text):
    text = text.strip()
    if not text:
        raise ValueError("empty stdout")
    try:
        return json.loads(text)
    except ValueError:
        obj, _ = json.JSONDecoder().raw_decode(text)  # tolerate trailing output
        return obj


def run_case(cmd, case, timeout):
    argv = list(cmd) + ["--dialect", case["dialect"]]
    t0 = time.monotonic()
    error, got = None, set()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise CannotStart(f"cannot start {argv[0]!r}: {exc}") from exc
    try:
        out, err = proc.communicate(case["sql"].encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and anything it spawned
        except OSError:
            proc.kill()
        proc.communicate()
        error = f"timeout after {timeout:g}s"
    else:
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            error = f"exit {proc.returncode}: {tail[0][:300]}"
        else:
            try:
                obj = parse_stdout(out.decode("utf-8", "replace"))
                got = produced_pairs(obj, case.get("match_target_table", True))
            except ValueError as exc:
                error = f"bad JSON: {str(exc)[:200]}"
                got = set()
    exp = expected_pairs(case)
    return {
        "id": case["id"], "origin": case["origin"], "group": case["test"].split("::")[0],
        "test": case["test"], "dialect": case["dialect"],
        "tp": sorted(exp & got), "fp": sorted(got - exp), "fn": sorted(exp - got),
        "exact": error is None and got == exp, "error": error,
        "seconds": round(time.monotonic() - t0, 3),
    }


# ---------------------------------------------------------------- reporting

def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    r = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def summarise(name, rows):
    tp = sum(len(r["tp"]) for r in rows)
    fp = sum(len(r["fp"]) for r in rows)
    fn = sum(len(r["fn"]) for r in rows)
    p, r, f = prf(tp, fp, fn)
    return {"group": name, "cases": len(rows), "exact": sum(r["exact"] for r in rows),
            "errors": sum(r["error"] is not None for r in rows), "tp": tp, "fp": fp, "fn": fn,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


GROUP_PREFIXES = ("tests/sql/column/", "integration/sql/impl/tests/column_lineage/")


def short_group(origin, group):
    for prefix in GROUP_PREFIXES:
        if group.startswith(prefix):
            group = group[len(prefix):]
            break
    return f"{origin}: {group}"


def print_table(rows):
    hdr = ["group", "cases", "exact", "err", "tp", "fp", "fn", "P", "R", "F1"]
    body = [[r["group"], str(r["cases"]), f'{r["exact"]}/{r["cases"]}', str(r["errors"]),
             str(r["tp"]), str(r["fp"]), str(r["fn"]), f'{r["precision"]:.3f}',
             f'{r["recall"]:.3f}', f'{r["f1"]:.3f}'] for r in rows]
    widths = [max(len(x[i]) for x in [hdr] + body) for i in range(len(hdr))]
    fmt = lambda cells: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                  for i, c in enumerate(cells))
    print(fmt(hdr))
    for cells in body:
        print(fmt(cells))


def main(argv):
    cmd, cases_path, json_out, jobs, timeout, min_f1, only = parse_args(argv)
    cases = load_cases(cases_path)
    if only is not None:
        cases = [c for c in cases if only.search(c["id"]) or only.search(c["test"])]
        if not cases:
            die("--only matched no cases")
    exe = cmd[0]
    if (os.sep in exe and not (os.path.isfile(exe) and os.access(exe, os.X_OK))) or \
            (os.sep not in exe and shutil.which(exe) is None):
        die(f"cannot start command: {exe!r} not found or not executable")

    results = [None] * len(cases)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = {pool.submit(run_case, cmd, c, timeout): i for i, c in enumerate(cases)}
            for fut, i in futs.items():
                results[i] = fut.result()
    except CannotStart as exc:
        die(str(exc))

    overall = summarise("overall", results)
    origins = [summarise(o, [r for r in results if r["origin"] == o])
               for o in sorted({r["origin"] for r in results})]
    groups = []
    for origin, g in sorted({(r["origin"], r["group"]) for r in results}):
        row = summarise(g, [r for r in results if r["group"] == g])
        row["origin"] = origin
        groups.append(row)
    print(f"command: {shlex.join(cmd)} --dialect <dialect>   cases: {os.path.relpath(cases_path)}")
    print_table([overall] + origins)
    print()
    print_table([dict(g, group=short_group(g["origin"], g["group"])) for g in groups])
    errs = [r for r in results if r["error"]]
    if errs:
        print(f"\nerrors: {len(errs)} (first: {errs[0]['id']}: {errs[0]['error']})")

    if json_out:
        doc = {"command": cmd, "cases_file": cases_path, "totals": overall, "origins": origins,
               "groups": groups, "cases": results}
        with open(json_out, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")

    f1 = prf(overall["tp"], overall["fp"], overall["fn"])[2]
    if min_f1 is not None and f1 < min_f1:
        print(f"F1 {f1:.4f} is below --min-f1 {min_f1:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
