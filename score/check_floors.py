#!/usr/bin/env python3
"""Checks `make score`'s results against score/floors.json: exits 1, naming each figure
below its floor, when accuracy dropped. Usage:
    check_floors.py FLOORS [--corpus NAME SUMMARY.json]... [--sql OURS.json]
"""
import json
import sys


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    floors = json.load(open(argv[1]))
    problems, checked = [], []
    args = argv[2:]
    i = 0
    while i < len(args):
        if args[i] == "--corpus" and i + 2 < len(args):
            name, path = args[i + 1], args[i + 2]
            i += 3
            summary = json.load(open(path))
            for key, floor in floors["corpus"].get(name, {}).items():
                got = summary.get(key)
                ok = got is not None and (got <= floor if key == "secret_leaks" else got >= floor)
                checked.append(f"{name} {key} {got} (floor {floor})")
                if not ok:
                    problems.append(f"corpus {name}: {key} is {got}, floor {floor}")
        elif args[i] == "--sql" and i + 1 < len(args):
            ours = json.load(open(args[i + 1]))["tools"]["ours"]["both/all"]
            i += 2
            got = {"f1": ours["combined"]["f1"], "exact_rate": ours["exact_rate"]}
            for key, floor in floors["sql"].items():
                checked.append(f"sql {key} {got[key]:.4f} (floor {floor})")
                if got[key] < floor:
                    problems.append(f"sql: {key} is {got[key]:.4f}, floor {floor}")
        else:
            print(f"check_floors: unexpected argument {args[i]!r}", file=sys.stderr)
            return 2
    for c in checked:
        print(f"  {c}")
    for p in problems:
        print(f"BELOW THE FLOOR: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
