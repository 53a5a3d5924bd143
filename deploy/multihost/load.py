#!/usr/bin/python3
"""load.py: the steady load of the multi-host test, and its verdict.

  load.py run URL PASSWORD OUT_DIR WORKERS
      Until OUT_DIR/stop exists, each worker creates a lead through the HTTP
      API and converts it, each request with an Idempotency-Key and retried
      with the same key until it is answered (a write is acknowledged when a
      2xx comes back). Appends one JSON line per answered request to
      OUT_DIR/ops.jsonl: {"t": end time, "kind", "lead", "ok"}.
  load.py verify OUT_DIR LEADS_FILE CUSTOMERS_FILE
      Compares what was acknowledged with what the databases hold (the ids
      of the leads; the lead of each customer made from one), prints the
      verdict as JSON and exits 1 when something acknowledged is missing.
  load.py report OUT_DIR PHASES_FILE
      The longest time without an acknowledged write, and the throughput,
      per phase (PHASES_FILE: lines "<unix time> <phase name>", the last one
      marking the end of the last phase).
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

RETRY_FOR_S = 120  # a request not answered in this long is counted lost


class Api:
    def __init__(self, base, password):
        self.base = base.rstrip("/")
        self.password = password
        self.token = None

    def _send(self, method, path, body=None, key=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        if key:
            req.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw or b"{}")
            except ValueError:
                return e.code, {"raw": raw[:200].decode(errors="replace")}

    def login(self):
        while True:
            try:
                st, body = self._send("POST", "/api/v1/auth/login",
                                      {"username": "admin", "password": self.password})
                if st == 200:
                    self.token = body["token"]
                    return
            except OSError:
                pass
            time.sleep(0.5)

    def call(self, method, path, body=None, key=None, timeout=10):
        """One request, retried (same key) on a network error, a 5xx or a 429."""
        give_up = time.time() + RETRY_FOR_S
        while True:
            try:
                st, reply = self._send(method, path, body, key, timeout)
                if st == 401:
                    self.login()
                    continue
                if st < 500 and st != 429:
                    return st, reply
            except OSError:
                pass
            if time.time() > give_up:
                return 0, {}
            time.sleep(0.2)


def worker(api, out, lock, stop_file, n):
    api.login()
    i = 0
    while not os.path.exists(stop_file):
        i += 1
        mobile = "139%04d%04d" % (n, i % 10000)
        st, lead = api.call("POST", "/api/v1/leads",
                            {"name": "mh-%d-%d" % (n, i), "mobile": mobile, "source": "广告"},
                            key=str(uuid.uuid4()))
        lead_id = lead.get("id") if st in (200, 201) else None
        record(out, lock, "create", lead_id, st, lead)
        if lead_id is None:
            continue
        st, reply = api.call("POST", "/api/v1/leads/%s/convert" % lead_id, {}, key=str(uuid.uuid4()))
        record(out, lock, "convert", lead_id, st, reply)


def record(out, lock, kind, lead_id, status, reply):
    op = {"t": time.time(), "kind": kind, "lead": lead_id, "ok": 200 <= status < 300,
          "status": status}
    if not op["ok"]:
        op["reply"] = reply  # the refusal, as the API said it
    line = json.dumps(op, ensure_ascii=False)
    with lock:
        out.write(line + "\n")
        out.flush()


def run(base, password, out_dir, workers):
    lock = threading.Lock()
    stop_file = os.path.join(out_dir, "stop")
    with open(os.path.join(out_dir, "ops.jsonl"), "a", encoding="utf-8") as out:
        threads = [threading.Thread(target=worker, args=(Api(base, password), out, lock, stop_file, n))
                   for n in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def read_ops(out_dir):
    with open(os.path.join(out_dir, "ops.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def read_ids(path):
    with open(path, encoding="utf-8") as f:
        return {int(l) for l in f if l.strip()}


def sample(ids):
    """At most ten of a set of ids, for the report."""
    return sorted(ids)[:10]


def verify(out_dir, leads_file, customers_file):
    """Every acknowledged lead is in the leads database (LEADS_FILE: its ids),
    every acknowledged conversion has its customer (CUSTOMERS_FILE: the
    lead_id of every customer made from a lead), and no customer came from a
    lead whose conversion was not asked for."""
    ops = read_ops(out_dir)
    created = {int(o["lead"]) for o in ops if o["kind"] == "create" and o["ok"]}
    converted = {int(o["lead"]) for o in ops if o["kind"] == "convert" and o["ok"]}
    asked = {int(o["lead"]) for o in ops if o["kind"] == "convert"}
    leads = read_ids(leads_file)
    from_leads = read_ids(customers_file)
    failed = [o for o in ops if not o["ok"]]
    verdict = {"leads_acknowledged": len(created), "leads_missing": sample(created - leads),
               "conversions_acknowledged": len(converted),
               "conversions_without_customer": sample(converted - from_leads),
               "customers_not_asked_for": sample(from_leads - asked),
               "requests_refused": len(failed),
               "refusals": sorted({o["status"] for o in failed})}
    print(json.dumps(verdict))
    lost = created - leads or converted - from_leads or from_leads - asked
    return 1 if lost else 0


def report(out_dir, phases_file):
    ops = sorted((o for o in read_ops(out_dir) if o["ok"]), key=lambda o: o["t"])
    with open(phases_file, encoding="utf-8") as f:
        phases = [(float(l.split()[0]), l.split(None, 1)[1].strip()) for l in f if l.strip()]
    rows = []
    for k, (start, name) in enumerate(phases[:-1]):  # the last line marks the end
        end = phases[k + 1][0]
        ts = [o["t"] for o in ops if start <= o["t"] < end]
        edges = [start] + ts + [end]
        gap = max(b - a for a, b in zip(edges, edges[1:])) if end > start else 0
        rows.append({"phase": name, "seconds": round(end - start, 1), "writes": len(ts),
                     "writes_per_s": round(len(ts) / (end - start), 1) if end > start else 0,
                     "longest_without_service_s": round(gap, 2)})
    print(json.dumps(rows))


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif len(sys.argv) == 5 and sys.argv[1] == "verify":
        return verify(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
