#!/usr/bin/python3
"""check_dashboard.py: checks the Grafana dashboard against the metrics the
processes export. The test test_dashboard runs it with the families it
scraped from every process of a running suite.

    deploy/grafana/check_dashboard.py DASHBOARD.json FAMILIES

FAMILIES holds the families of live /metrics scrapes, one "name type" a
line (their "# TYPE" lines). Checks that the dashboard is Grafana's JSON
with unique panel ids, every panel on the Prometheus data source variable;
that every PromQL expression's parentheses, braces and brackets pair up;
that every metric name an expression or a variable uses (crm_*, process_*)
is one the processes export: a counter's or gauge's name, a histogram's
name with _bucket, _sum or _count (the bare name of a histogram is no
series); and that every family exported is on the dashboard. Prints each
problem; exit 1 if there is any."""
import json
import re
import sys

METRIC = re.compile(r"\b(?:crm|process)_[a-zA-Z0-9_:]*")
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def panels_of(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])  # a collapsed row's


def expressions(dash):
    """(where, PromQL) of every target and every query variable."""
    for p in panels_of(dash):
        for t in p.get("targets", []):
            yield f"panel {p.get('id')} {p.get('title')!r} {t.get('refId')}", t.get("expr", "")
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            yield f"variable {v.get('name')}", q.get("query", "") if isinstance(q, dict) else q or ""


def balanced(expr):
    stack, pairs = [], {")": "(", "}": "{", "]": "["}
    for c in QUOTED.sub('""', expr):
        if c in "({[":
            stack.append(c)
        elif c in pairs:
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack


def series_names(families):
    names = {}
    for name, typ in families.items():
        for n in [name + s for s in ("_bucket", "_sum", "_count")] if typ == "histogram" else [name]:
            names[n] = name
    return names


def check(dash, families):
    problems = []
    if not isinstance(dash.get("panels"), list) or not dash.get("title") or not dash.get("uid"):
        problems.append("not a Grafana dashboard: no title, uid or panels")
    ids = [p.get("id") for p in panels_of(dash)]
    for i in {i for i in ids if ids.count(i) > 1}:
        problems.append(f"panel id {i} is used twice")
    for p in panels_of(dash):
        if p.get("type") != "row" and (p.get("datasource") or {}).get("uid") != "${datasource}":
            problems.append(f"panel {p.get('id')} {p.get('title')!r} is not on the ${{datasource}} variable")
        if p.get("type") != "row" and not p.get("targets"):
            problems.append(f"panel {p.get('id')} {p.get('title')!r} has no query")
    known = series_names(families)
    used = set()
    for where, expr in expressions(dash):
        if not expr.strip():
            problems.append(f"{where}: an empty expression")
            continue
        if not balanced(expr):
            problems.append(f"{where}: unbalanced brackets in {expr}")
        for name in METRIC.findall(QUOTED.sub('""', expr)):
            if name in known:
                used.add(known[name])
            elif families.get(name) == "histogram":
                problems.append(f"{where}: {name} is a histogram: use {name}_bucket, _sum or _count")
            else:
                problems.append(f"{where}: no process exports {name}")
    for name in sorted(set(families) - used):
        problems.append(f"the family {name} is exported but not on the dashboard")
    return problems, used


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        dash = json.load(f)
    families = {}
    with open(argv[2], encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                families[parts[0]] = parts[1]
    if not families:
        print("no families given: nothing to check against")
        return 1
    problems, used = check(dash, families)
    for p in problems:
        print("FAIL", p)
    print(f"{sum(1 for _ in expressions(dash))} expressions, {len(used)} of {len(families)}"
          f" families exported used: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
