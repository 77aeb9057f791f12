#!/usr/bin/env python3
"""scripts/bench's server section (issue 18): figures of `tts-archive serve`, measured, never written by hand.

  python3 scripts/lib/bench_server.py TTS ROWS WORK MODELS ENTRIES [WRK_SECONDS]

- a medium snapshot through the API (POST, poll the monitor every 20 ms until it ends) vs the same snapshot by the
  CLI (`tts-archive snapshot`, process start included), each into a fresh archive: within 10 %;
- while snapshots run back to back on the medium source, `wrk` at 16 connections for WRK_SECONDS (default 10):
  GET /v1/snapshots p99 <= 50 ms, and GET /v1/diff of two adjacent snapshots p99 <= 100 ms, 0 errors;
- the server's RSS after 500 operations vs after 50 (small snapshots of a small source, one after the other):
  within 10 %.

Rows are appended to ROWS in scripts/bench's format (section, figure, measured, target, met, value, unit).
Every process started here is stopped here; everything listens on 127.0.0.1.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request


def say(text):
    print(text, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, tts, rows, work):
        self.tts, self.rows, self.work = tts, rows, work
        self.processes = []

    def row(self, figure, measured, target, met, value="", unit=""):
        with open(self.rows, "a", encoding="utf-8") as f:
            f.write("\t".join(["server", figure, measured, target, {True: "yes", False: "no", None: ""}[met],
                               str(value), unit]) + "\n")
        say(f"  {figure}: {measured}  (target {target}: {'yes' if met else 'no'})")

    def start(self, args, name, env=None):
        err = open(os.path.join(self.work, name + ".err"), "wb")
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env or dict(os.environ))
        url = p.stdout.readline().decode().strip()
        if not url.startswith("http"):
            raise SystemExit(f"error: {name} did not start (see {err.name})")
        self.processes.append(p)
        return p, url

    def emulator(self, name, spec):
        return self.start([self.tts, "emulator", "--port", "0", "--generate", spec], name)[1]

    def serve(self, name, archive, source_url):
        env = dict(os.environ, TEXT_TO_SPEECH_URL=source_url, TEXT_TO_SPEECH_AUTH_TYPE="noAuth",
                   IBM_CREDENTIALS_FILE=os.path.join(self.work, "none"))
        env.pop("TTS_ARCHIVE_TOKEN", None)
        return self.start([self.tts, "serve", "--archive", archive, "--listen", "127.0.0.1:0"], name, env)

    def stop(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in reversed(self.processes):
            self.stop(p)


def call(method, url, body=None):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=120) as r:
        return r.status, json.loads(r.read() or b"{}")


def api_snapshot(api, poll=0.02):
    """Starts a snapshot and polls its monitor until it ends: (seconds from the POST to the end, monitor)."""
    t0 = time.monotonic()
    status, monitor = call("POST", api + "/v1/snapshots", {})
    if status != 202:
        raise SystemExit(f"error: POST /v1/snapshots answered {status}")
    while monitor["status"] in ("NotStarted", "Running"):
        time.sleep(poll)
        _, monitor = call("GET", f"{api}/v1/operations/{monitor['id']}")
    return time.monotonic() - t0, monitor


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def wrk(url, seconds):
    """wrk at 16 connections: (p99 ms, requests, errors)."""
    out = subprocess.run(["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    p99 = ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return p99, requests, errors


def main():
    tts, rows, work, models, entries = sys.argv[1:6]
    wrk_seconds = int(sys.argv[6]) if len(sys.argv) > 6 else 10
    b = Bench(tts, rows, work)
    spec = f"models={models},words={entries},seed=7"
    try:
        say(f"== server: {entries} entries through `serve` vs the CLI; wrk at 16 connections; RSS over 500 operations")
        source = b.emulator("server-source", spec)

        # The CLI's snapshot, process start included, into a fresh archive.
        t0 = time.monotonic()
        subprocess.run([tts, "snapshot", "--archive", os.path.join(work, "server-cli.sqlite"), "--url", source,
                        "--auth-type", "noAuth"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli = time.monotonic() - t0
        serve, api = b.serve("server-serve", os.path.join(work, "server-api.sqlite"), source)
        took, monitor = api_snapshot(api)
        if monitor["status"] != "Succeeded":
            raise SystemExit(f"error: the API snapshot ended {monitor['status']}: {monitor.get('error')}")
        ratio = took / cli
        b.row(f"snapshot of {entries} entries through the API vs the CLI", f"{took:.2f} s vs {cli:.2f} s ({ratio:.2f}x)",
              "within 10 %", ratio <= 1.10, f"{ratio:.3f}", "ratio")

        # A second snapshot after a night of churn: two adjacent snapshots to diff.
        urllib.request.urlopen(urllib.request.Request(source + "/_emulator/churn", data=b'{"seed": 1, "spec": "night"}',
                                                      method="POST", headers={"Content-Type": "application/json"})).read()
        _, second = api_snapshot(api)
        first_id, second_id = monitor["result"]["snapshot"]["id"], second["result"]["snapshot"]["id"]

        # Snapshots back to back while wrk runs (one per source at a time: each starts when the last one ends).
        running = threading.Event()
        running.set()
        count = [0]
        def keep_snapshotting():
            while running.is_set():
                api_snapshot(api, poll=0.05)
                count[0] += 1
        for path, target in ((f"/v1/snapshots", 50), (f"/v1/diff?from={first_id}&to={second_id}", 100)):
            worker = threading.Thread(target=keep_snapshotting)
            worker.start()
            p99, requests, errors = wrk(api + path, wrk_seconds)
            running.clear()
            worker.join()
            running.set()
            b.row(f"GET {path.split('?')[0]}{' (adjacent snapshots)' if 'diff' in path else ''} while snapshots run, wrk 16 connections {wrk_seconds} s",
                  f"p99 {p99:.1f} ms, {requests} requests, {errors} errors, {count[0]} snapshots meanwhile",
                  f"p99 <= {target} ms, 0 errors", p99 <= target and errors == 0, f"{p99:.1f}", "ms")
            count[0] = 0
        b.stop(serve)

        # RSS after 50 and after 500 operations: small snapshots of a small source, one after the other.
        small = b.emulator("server-small", "models=2,words=40,seed=3")
        serve, api = b.serve("server-rss", os.path.join(work, "server-rss.sqlite"), small)
        at = {}
        for n in range(1, 501):
            _, m = api_snapshot(api, poll=0.005)
            if m["status"] != "Succeeded":
                raise SystemExit(f"error: operation {n} ended {m['status']}")
            if n in (50, 500):
                at[n] = rss_kb(serve.pid)
        growth = at[500] / at[50] - 1
        b.row("server RSS after 500 operations vs after 50", f"{at[500] / 1024:.1f} MB vs {at[50] / 1024:.1f} MB ({growth * 100:+.1f} %)",
              "within 10 %", abs(growth) <= 0.10, f"{growth * 100:.1f}", "%")
    finally:
        b.stop_all()


if __name__ == "__main__":
    main()
