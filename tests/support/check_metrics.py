#!/usr/bin/env python3
"""check_metrics.py: reads a /metrics scrape (Prometheus text format 0.0.4)
from a file, checks it with the reference parser (prometheus_client, Debian's
python3-prometheus-client) and prints its samples as JSON, one object per
sample: {"name", "labels", "value"}. Exits 1, saying why, when the text does
not parse, when a family appears twice, or when a sample's family was not
declared. Used by tests/integration/test_metrics.c."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    declared = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            declared.append(line.split()[2])
    if len(declared) != len(set(declared)):
        dup = sorted({d for d in declared if declared.count(d) > 1})
        print("families declared twice: %s" % ", ".join(dup), file=sys.stderr)
        return 1
    out = []
    for family in text_string_to_metric_families(text):
        if family.name not in declared and family.name + "_total" not in declared:
            print("undeclared family %s" % family.name, file=sys.stderr)
            return 1
        for s in family.samples:
            out.append({"name": s.name, "labels": s.labels, "value": s.value})
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except ValueError as e:  # the parser's verdict on malformed text
        print("does not parse: %s" % e, file=sys.stderr)
        sys.exit(1)
