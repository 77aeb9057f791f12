#!/usr/bin/env python3
"""Driver of scripts/reliability: runs the real `tts-archive` binary against emulators (and a deliberately
broken fake server) in separate processes, tries faults, SIGKILLs, bad input and secret leaks, and prints one
table (case, expected, observed, pass). Exit status 1 when any case failed.

    python3 scripts/lib/reliability.py --bin PATH [--quick] [--seed N] [--keep]
"""
import argparse
import base64
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ONE_LINE_ERROR = re.compile(r"^tts-archive: error: \S")


class Ctx:
    """Everything a run shares: the binary, the scratch folder, every output captured (for the secrets scan)."""

    def __init__(self, binary, work, quick, rng):
        self.bin, self.work, self.quick, self.rng = binary, work, quick, rng
        self.captured = []  # (label, bytes) of every stdout/stderr of every command run
        self.procs = []
        self.mounts = []
        self.results = []
        self.messages = []
        self.home = os.path.join(work, "home")
        os.makedirs(self.home)

    def env(self, **extra):
        # A clean environment: no credentials of the person running this, no ~/ or ./ibm-credentials.env.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "NO_COLOR": "1", "LANG": "C.UTF-8"}
        env.update(extra)
        return env

    def run(self, args, env=None, timeout=300, preexec=None):
        t0 = time.monotonic()
        p = subprocess.run([self.bin, *args], cwd=self.work, env=env or self.env(), capture_output=True,
                           timeout=timeout, preexec_fn=preexec)
        secs = time.monotonic() - t0
        self.captured.append((" ".join(args[:2]) + " stdout", p.stdout))
        self.captured.append((" ".join(args[:2]) + " stderr", p.stderr))
        return Run(p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), secs)

    def start(self, args, env=None):
        return self.popen([self.bin, *args], env)

    def popen(self, argv, env=None):
        p = subprocess.Popen(argv, cwd=self.work, env=env or self.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.procs.append(p)
        return p

    def record(self, section, case, expected, observed, ok):
        self.results.append((section, case, expected, observed, ok))
        print(f"  {'ok  ' if ok else 'FAIL'} {section}: {case}: {observed}", file=sys.stderr, flush=True)

    def cleanup(self, keep):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for m in reversed(self.mounts):
            subprocess.run(["umount", m], capture_output=True)
        if keep:
            print(f"kept {self.work}", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


class Run:
    def __init__(self, rc, out, err, secs):
        self.rc, self.out, self.err, self.secs = rc, out, err, secs

    @property
    def err_lines(self):
        return [l for l in self.err.splitlines() if l.strip()]


class Server:
    """An emulator (or the fake server) in its own process; its first stdout line is its URL."""

    def __init__(self, ctx, argv, name):
        self.log = os.path.join(ctx.work, name + ".log")
        self.proc = subprocess.Popen(argv, cwd=ctx.work, env=ctx.env(), stdout=subprocess.PIPE,
                                     stderr=open(self.log, "wb"))
        ctx.procs.append(self.proc)
        self.url = self.proc.stdout.readline().decode().strip()
        if not self.url.startswith("http://"):
            raise SystemExit(f"error: {name} did not start: {open(self.log).read()[-500:]}")

    @classmethod
    def emulator(cls, ctx, *args, name="emulator"):
        return cls(ctx, [ctx.bin, "emulator", "--port", "0", *args], name)

    @classmethod
    def fake(cls, ctx, mode):
        return cls(ctx, [sys.executable, os.path.join(HERE, "fake_tts_server.py"), mode], "fake-" + mode)

    def call(self, method, path, body=None, user=None):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        req.add_header("Content-Type", "application/json")
        if user:
            req.add_header("Authorization", "Basic " + base64.b64encode(f"apikey:{user}".encode()).decode())
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
        return json.loads(data) if data else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def noauth(url):
    return ["--url", url, "--auth-type", "noAuth"]


def sha(path):
    h = hashlib.sha256()
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def snapshot_ids(ctx, archive):
    r = ctx.run(["snapshots", "--archive", archive, "--json"])
    # A kill between creating the file and committing its schema leaves an empty file: nothing recorded, which
    # the reading commands call "not an archive yet" (exit 3).
    if r.rc == 3 and "is not an archive yet" in r.err:
        return []
    if r.rc != 0:
        raise SystemExit(f"error: snapshots --json failed: {r.err}")
    return [s["id"] for s in json.loads(r.out)]


def stop_process(p, timeout=15):
    """SIGTERM, then SIGKILL if it has not ended after `timeout` seconds; returns its exit status or "killed"."""
    p.terminate()
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return "killed"


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------------------------------------------
# Faults: 4% 429, 4% 503, 2% dropped connections on every /v1 request.

def faults(ctx):
    models, words = (50, 20_000) if ctx.quick else (100, 100_000)
    seed = ctx.rng.randrange(1, 1_000_000)
    rates = ["--fault-rate", "429=0.04,503=0.04,drop=0.02", "--fault-seed", str(seed), "--retry-after", "0"]
    src = Server.emulator(ctx, "--generate", f"models={models},words={words},seed=5", *rates, name="faults-source")
    archive = os.path.join(ctx.work, "faults.sqlite")
    r = ctx.run(["snapshot", "--archive", archive, *noauth(src.url)])
    injected = src.call("GET", "/_emulator/stats")["stats"]["injected_faults"]
    src.call("DELETE", "/_emulator/faults")
    d = ctx.run(["diff", "latest", "live", "--stat", "--archive", archive, *noauth(src.url)]) if r.rc == 0 else None
    ctx.record("faults", f"snapshot, {models} models / {words:,} words, 10% faults (seed {seed})",
               "exit 0; diff latest live: 0 differences",
               f"exit {r.rc}, {injected} faults injected; diff exit {d.rc if d else '-'}" + one_err(r),
               r.rc == 0 and d is not None and d.rc == 0 and injected > 0)

    tgt = Server.emulator(ctx, *rates, name="faults-target")
    r = ctx.run(["restore", "latest", "--archive", archive, *noauth(tgt.url)])
    injected = tgt.call("GET", "/_emulator/stats")["stats"]["injected_faults"]
    tgt.call("DELETE", "/_emulator/faults")
    verified = re.search(r"verified: .*0 differences", r.out) is not None
    dupes, count = target_models(tgt)
    c = ctx.run(["check", "--archive", archive])
    ctx.record("faults", f"restore into a fresh instance, 10% faults (seed {seed})",
               f"exit 0, verified 0 differences, {models} models, check ok",
               f"exit {r.rc}, {injected} faults injected, {'verified 0 differences' if verified else 'NOT verified'}, "
               f"{count} models{', duplicates ' + str(dupes) if dupes else ''}, check exit {c.rc}" + one_err(r),
               r.rc == 0 and verified and count == models and not dupes and c.rc == 0 and injected > 0)
    src.stop()
    tgt.stop()


def target_models(server, user=None):
    models = server.call("GET", "/v1/customizations", user=user)["customizations"]
    seen, dupes = set(), []
    for m in models:
        key = (m["name"], m["language"])
        if key in seen:
            dupes.append(m["name"])
        seen.add(key)
    return dupes, len(models)


def restored_equal(d):
    """Reads `diff --match-by name --json` of a snapshot against its restored copy. Prompts cannot be restored
    (the service gives no audio back), so models that differ only by removed prompts count as equal."""
    if d.rc not in (0, 1):
        return False, f"exit {d.rc}"
    report = json.loads(d.out)
    s = report["summary"]
    prompt_only = [m for m in report["models"] if m["change"] == "changed" and not m.get("metadata") and not m.get("words")
                   and all(p["change"] == "removed" for p in m.get("prompts") or [])]
    same = s["models_added"] == s["models_removed"] == 0 and len(prompt_only) == s["models_changed"] and \
        s["words_added"] == s["words_removed"] == s["words_changed"] == 0
    note = "0 differences" if d.rc == 0 else \
        f"0 word or model differences (models lacking only their unrestorable prompts: {len(prompt_only)})" if same else \
        f"differences: {s}"
    return same, note


def one_err(r):
    return "" if r.rc == 0 else f" ({r.err_lines[-1][:90] if r.err_lines else 'no message'})"


# ---------------------------------------------------------------------------------------------------------------
# Kills: SIGKILL at random points, then check, list, resume.

def kill_at(ctx, args, delay):
    p = ctx.start(args)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
    out, err = p.communicate()
    ctx.captured.append((args[0] + " (killed) stdout", out))
    ctx.captured.append((args[0] + " (killed) stderr", err))
    return Run(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), delay)


def kills(ctx):
    n = 3 if ctx.quick else 10
    spec = "models=20,words=50000,seed=7" if ctx.quick else "models=40,words=200000,seed=7"
    emu = Server.emulator(ctx, "--generate", spec, name="kills-source")
    archive = os.path.join(ctx.work, "kills.sqlite")
    # Calibrate: how long a first snapshot and a night's snapshot take, so kills land inside real runs.
    scratch = os.path.join(ctx.work, "calibration.sqlite")
    t_first = ctx.run(["snapshot", "--archive", scratch, *noauth(emu.url)]).secs
    churn = {"spec": "night"}  # the emulator's nightly edits (what bench-archive uses)
    emu.call("POST", "/_emulator/churn", {"seed": 1000, **churn})
    t_next = ctx.run(["snapshot", "--archive", scratch, *noauth(emu.url)]).secs

    killed = completed = 0
    problems = []
    for i in range(n):
        emu.call("POST", "/_emulator/churn", {"seed": i + 1, **churn})
        before = snapshot_ids(ctx, archive) if os.path.exists(archive) else []
        delay = ctx.rng.uniform(0.02, 0.8 * (t_next if before else t_first))  # runs vary; most kills land mid-run
        rc = kill_at(ctx, ["snapshot", "--archive", archive, *noauth(emu.url)], delay).rc
        killed += rc == -signal.SIGKILL
        completed += rc == 0
        # A kill in the first few ms lands before the archive file exists: nothing was written, nothing to list.
        after = snapshot_ids(ctx, archive) if os.path.exists(archive) else []
        new = [s for s in after if s not in before]
        if len(new) > 1 or (rc == 0 and not new) or (rc not in (0, -signal.SIGKILL)):
            problems.append(f"kill {i + 1}: exit {rc}, snapshots {before} -> {after}")
        elif new:  # committed (before or despite the kill): it must be the whole instance, not a part
            d = ctx.run(["diff", "latest", "live", "--stat", "--archive", archive, *noauth(emu.url)])
            if d.rc != 0:
                problems.append(f"kill {i + 1}: snapshot {new[0]} differs from live (diff exit {d.rc})")
    # Every kill may have landed before the file was created, or before its schema was committed (an empty file).
    exists = os.path.exists(archive) and os.path.getsize(archive) > 0
    c_rc = ctx.run(["check", "--archive", archive]).rc if exists else 0
    emu.call("POST", "/_emulator/churn", {"seed": 99, **churn})
    before = snapshot_ids(ctx, archive) if exists else []
    s = ctx.run(["snapshot", "--archive", archive, *noauth(emu.url)])
    d = ctx.run(["diff", "latest", "live", "--stat", "--archive", archive, *noauth(emu.url)])
    listed = len(snapshot_ids(ctx, archive))
    ok = not problems and c_rc == 0 and s.rc == 0 and d.rc == 0 and listed == len(before) + 1
    ctx.record("kills", f"SIGKILL snapshot x{n} ({spec.rsplit(',', 1)[0]}; runs {t_first:.1f} s / {t_next:.1f} s)",
               "check ok; only whole snapshots listed; next snapshot ok",
               f"{killed} killed mid-run, {completed} finished first; check exit {c_rc}; next snapshot exit {s.rc}, "
               f"diff live exit {d.rc}; {listed} listed" + ("; " + "; ".join(problems) if problems else ""), ok)

    # Restore: kill at random points, re-run the same command each time (the journal resumes it).
    snap = json.loads(ctx.run(["snapshots", "--archive", archive, "--json"]).out)[0]
    calib = Server.emulator(ctx, name="kills-calibration")
    t_restore = ctx.run(["restore", "latest", "--archive", scratch, *noauth(calib.url)]).secs
    calib.stop()
    tgt = Server.emulator(ctx, name="kills-target")
    cmd = ["restore", "latest", "--archive", archive, *noauth(tgt.url)]
    # Each run resumes where the last one was killed, so short delays still spread the kills over the whole
    # restore (create, batches, verify); a run that finishes before its kill is the final run.
    killed, delays, final = 0, [], None
    for i in range(n):
        delays.append(ctx.rng.uniform(0.02, 0.05 + 1.5 * t_restore / n))
        r = kill_at(ctx, cmd, delays[-1])
        if r.rc != -signal.SIGKILL:
            final = r
            break
        killed += 1
    finished_early = final is not None
    final = final or ctx.run(cmd)
    print(f"    restore kill delays {', '.join(f'{d:.2f}' for d in delays)} s", file=sys.stderr)
    runs = json.loads(ctx.run(["restores", "--archive", archive, "--json"]).out)
    dupes, count = target_models(tgt)
    d = ctx.run(["diff", "latest", "live", "--match-by", "name", "--json", "--archive", archive, *noauth(tgt.url)])
    same, diff_note = restored_equal(d)
    c = ctx.run(["check", "--archive", archive])
    statuses = ",".join(f"{r['id']}:{r['status']}" for r in runs)
    verified = re.search(r"verified: .*0 differences", final.out) is not None
    ok = (killed >= n // 2 and final.rc == 0 and verified and not dupes and count == snap["models"]
          and same and c.rc == 0 and runs and runs[0]["status"] == "complete")
    ctx.record("kills", f"SIGKILL restore x{n}, re-run to resume (full run {t_restore:.1f} s)",
               f"no duplicate model, {snap['models']} models, 0 differences, check ok",
               f"{killed} killed{' (then a run finished before its kill)' if finished_early else ''}; "
               f"final exit {final.rc}{', verified 0 differences' if verified else ''}; runs {statuses}; "
               f"{count} models on target{', duplicates ' + str(dupes) if dupes else ', no duplicates'}; "
               f"diff --match-by name: {diff_note}; check exit {c.rc}" + one_err(final), ok)
    emu.stop()
    tgt.stop()


# ---------------------------------------------------------------------------------------------------------------
# Bad input: each must fail with one line on stderr, a non-zero exit, and leave the archive as it was.

def bad_input(ctx):
    base = Server.emulator(ctx, "--generate", "models=3,words=300,seed=1", name="bad-source")
    archive, pristine = os.path.join(ctx.work, "base.sqlite"), os.path.join(ctx.work, "base-pristine.sqlite")
    for _ in range(2):
        ctx.run(["snapshot", "--archive", archive, "--tag", "nightly", *noauth(base.url)])
    shutil.copy(archive, pristine)

    def expect_error(case, args, path=archive, status=None, env=None, preexec=None, pattern=None):
        if path == archive:  # each case starts from the same two snapshots, whatever the previous case did
            for suffix in ("-wal", "-shm"):
                if os.path.exists(archive + suffix):
                    os.remove(archive + suffix)
            shutil.copy(pristine, archive)
        listing = lambda: ctx.run(["snapshots", "--archive", path, "--json"]).out if path == archive else ""
        before, listed = sha(path), listing()
        r = ctx.run(args, env=env, preexec=preexec)
        unchanged = sha(path) == before and listing() == listed
        one = len(r.err_lines) == 1 and ONE_LINE_ERROR.match(r.err_lines[0]) is not None
        ok = r.rc != 0 and one and unchanged and (status is None or r.rc == status) and \
            (pattern is None or (one and re.search(pattern, r.err_lines[0], re.I) is not None))
        lines = f"{len(r.err_lines)} stderr line{'s' if len(r.err_lines) != 1 else ''}"
        ctx.record("bad input", case, f"exit {status or '!= 0'}, one-line error, archive unchanged",
                   f"exit {r.rc}, {lines}{'' if one or not r.err_lines else ' (not tts-archive: error:)'}, "
                   f"archive {'unchanged' if unchanged else 'CHANGED'}", ok)
        ctx.messages.append((case, r.err_lines[0] if r.err_lines else "(no stderr)"))

    for mode, case, pattern in [
        ("malformed-list", "server: malformed JSON (model list)", "invalid JSON|malformed"),
        ("truncated-model", "server: truncated JSON (one model)", "invalid JSON|malformed|truncated"),
        ("html-502", "server: HTML 502 page", "HTML"),
        ("html-503", "server: HTML 503 page (retried, then given up)", "HTML"),
        ("entries-20001", "server: a model with 20,001 entries", "20001|20,001"),
        ("long-word", "server: a 50-character word", "word"),
        ("long-translation", "server: a 500-character translation", "translation"),
    ]:
        fake = Server.fake(ctx, mode)
        expect_error(case, ["snapshot", "--archive", archive, *noauth(fake.url)], pattern=pattern)
        fake.stop()

    # The same over-limit content through `import` (IBM's manual backup format): refused the same way.
    for case, words in [("import: a model file with 20,001 entries", [{"word": f"W{i:05d}", "translation": "x"} for i in range(20_001)]),
                        ("import: a word over 49 characters", [{"word": "B" * 50, "translation": "x"}])]:
        d = tempfile.mkdtemp(dir=ctx.work)
        model = {"customization_id": "a1b2c3d4-0000-4000-8000-000000000001", "name": "Manual", "language": "en-US",
                 "owner": "x", "created": "2026-01-01T00:00:00.000Z", "last_modified": "2026-01-01T00:00:00.000Z",
                 "description": "", "words": words, "prompts": []}
        with open(os.path.join(d, model["customization_id"] + ".json"), "w") as f:
            json.dump(model, f)
        expect_error(case, ["import", d, "--archive", archive])

    text = os.path.join(ctx.work, "notes.txt")
    with open(text, "w") as f:
        f.write("not an archive\n")
    expect_error("archive: a text file (reading)", ["snapshots", "--archive", text], text, 3)
    expect_error("archive: a text file (snapshot)", ["snapshot", "--archive", text, *noauth(base.url)], text, 3)

    truncated = os.path.join(ctx.work, "truncated.sqlite")
    with open(archive, "rb") as f, open(truncated, "wb") as g:
        data = f.read()
        g.write(data[: len(data) // 2])
    expect_error("archive: truncated (check)", ["check", "--archive", truncated], truncated, 3)
    expect_error("archive: truncated (snapshot)", ["snapshot", "--archive", truncated, *noauth(base.url)], truncated, 3)

    # "Newer" = a migration this binary does not know is recorded as applied (SQLiteDB/Migrator.swift).
    newer = os.path.join(ctx.work, "newer.sqlite")
    shutil.copy(archive, newer)
    import sqlite3
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('9999_future.sql', 'x', '2030-01-01T00:00:00Z')")
    con.commit()
    con.close()
    expect_error("archive: newer schema (reading)", ["snapshots", "--archive", newer], newer, 3, pattern="newer")
    expect_error("archive: newer schema (snapshot)", ["snapshot", "--archive", newer, *noauth(base.url)], newer, 3, pattern="newer")

    read_only(ctx, base, archive, expect_error)
    full_disk(ctx, expect_error)

    for case, args in [
        ("selector: unknown id", ["show", "99"]),
        ("selector: unknown tag", ["show", "no-such-tag"]),
        ("selector: ambiguous tag (2 snapshots)", ["show", "nightly"]),
        ("selector: latest~5 of 2 snapshots", ["diff", "latest~5", "latest"]),
        ("time: malformed --at", ["show", "--at", "2026-13-45"]),
        ("time: before the first snapshot", ["restore", "--at", "2001-01-01", "--dry-run", *noauth(base.url)]),
    ]:
        expect_error(case, [*args, "--archive", archive], status=2)

    keyed = Server.emulator(ctx, "--apikey", "reliability-right-key", name="bad-keyed")
    expect_error("credentials: none at all", ["snapshot", "--archive", archive], status=2, pattern="URL")
    expect_error("credentials: URL but no key", ["snapshot", "--archive", archive],
                 env=ctx.env(TEXT_TO_SPEECH_URL=keyed.url), status=2, pattern="credentials|APIKEY")
    expect_error("credentials: wrong IAM key", ["snapshot", "--archive", archive], status=5,
                 env=ctx.env(TEXT_TO_SPEECH_URL=keyed.url, TEXT_TO_SPEECH_APIKEY="reliability-wrong-key",
                             TEXT_TO_SPEECH_AUTH_URL=keyed.url))
    expect_error("credentials: wrong basic password", ["snapshot", "--archive", archive], status=5,
                 env=ctx.env(TEXT_TO_SPEECH_URL=keyed.url, TEXT_TO_SPEECH_AUTH_TYPE="basic",
                             TEXT_TO_SPEECH_USERNAME="apikey", TEXT_TO_SPEECH_PASSWORD="reliability-wrong-key"))
    expect_error("unreachable URL (closed port)",
                 ["snapshot", "--archive", archive, *noauth(f"http://127.0.0.1:{closed_port()}")], status=2)
    bad_input_answers(ctx, base, archive, expect_error)
    bad_input_import(ctx, base, archive, expect_error)
    bad_input_output(ctx, base, archive, expect_error)
    bad_input_jobs(ctx, base, archive, expect_error)
    bad_input_tidy(ctx, base, archive, expect_error)
    bad_input_sync(ctx, base, archive, expect_error)
    bad_input_cancel(ctx, base, archive, expect_error)
    bad_input_server(ctx, base, archive, expect_error)
    bad_input_page(ctx, base, archive, expect_error)
    bad_input_sched(ctx, base, archive, expect_error)
    bad_input_standby(ctx, base, archive, expect_error)
    bad_input_list(ctx, base, archive, expect_error)
    keyed.stop()
    bad_input_forget(ctx, base, archive, expect_error)
    bad_input_files(ctx, base, archive, expect_error)
    base.stop()


def bad_input_forget(ctx, base, archive, expect_error):
    """Retention rules a typo could have made: refused, nothing forgotten (restic would forget everything)."""
    expect_error("forget: --keep-tag no snapshot has", ["forget", "--keep-tag", "nightyl", "--archive", archive],
                 status=2, pattern="nightly")
    expect_error("forget: --keep-tag no snapshot has (dry run)",
                 ["forget", "--keep-tag", "nightyl", "--dry-run", "--archive", archive], status=2, pattern="nightly")
    # A second lineage (an imported folder, untagged): --keep-tag nightly keeps none of it.
    two = os.path.join(ctx.work, "two-lineages.sqlite")
    shutil.copy(archive, two)
    folder = os.path.join(ctx.work, "two-lineages-export")
    ctx.run(["export", "latest", "--to", folder, "--archive", two])
    ctx.run(["import", folder, "--archive", two])
    expect_error("forget: a policy that keeps none of a lineage",
                 ["forget", "--keep-tag", "nightly", "--archive", two], two, 2, pattern="allow-empty")
    r = ctx.run(["forget", "--keep-tag", "nightly", "--allow-empty", "--archive", two, "--json"])
    kept = sorted(d["snapshot"] for d in json.loads(r.out)["decisions"] if d["keep"]) if r.rc == 0 else None
    ctx.record("bad input", "forget: the same with --allow-empty", "exit 0, the two nightly snapshots kept",
               f"exit {r.rc}, kept {kept}", r.rc == 0 and kept == [1, 2])


def bad_input_answers(ctx, base, archive, expect_error):
    """Hostile get-model answers, names and ids beyond the service, and rows damaged in the archive (issue 15,
    items 1, 2, 4, 12): a snapshot records nothing wrongly, and carries no damaged row forward."""
    import sqlite3
    for mode, case, pattern in [
        ("wrong-id", "server: a model's answer names another id", "customization_id"),
        ("no-words", "server: a model's answer has no words key", "no words array"),
        ("null-words", "server: a model's answer has words: null", "no words array"),
        ("long-name", "server: a 257-character model name", "257-character name"),
        ("long-description", "server: a 129-character description", "129-character description"),
        ("empty-id", "server: a listed model with an empty id", "not a customization id"),
        ("non-guid-id", "server: a listed model with a non-GUID id", "not a customization id"),
    ]:
        fake = Server.fake(ctx, mode)
        expect_error(case, ["snapshot", "--archive", archive, *noauth(fake.url)], status=2, pattern=pattern)
        fake.stop()

    # The control: `words: []` is a real empty model, recorded as one (exit 0).
    fake = Server.fake(ctx, "empty-words")
    empty = os.path.join(ctx.work, "answers-empty.sqlite")
    r = ctx.run(["snapshot", "--archive", empty, "--json", *noauth(fake.url)])
    fake.stop()
    got = json.loads(r.out)["snapshot"] if r.rc == 0 else {}
    ctx.record("bad input", "server: a model's answer has words: [] (control)", "exit 0, 1 model with 0 words",
               f"exit {r.rc}, {got.get('models')} model(s) with {got.get('words')} words" + one_err(r),
               r.rc == 0 and got.get("models") == 1 and got.get("words") == 0)

    # The same limits through `import`, which writes through the same path.
    fixture = {"name": "Manual", "language": "en-US", "owner": "x", "created": "2026-01-01T00:00:00.000Z",
               "last_modified": "2026-01-01T00:00:00.000Z", "description": "", "words": [], "prompts": []}
    for case, fields, pattern in [
        ("import: a 100,000-character name", {"name": "N" * 100_000}, "100000-character name"),
        ("import: a non-GUID customization id", {"customization_id": "my-model"}, "not a customization id"),
    ]:
        d = tempfile.mkdtemp(dir=ctx.work)
        model = {"customization_id": "a1b2c3d4-0000-4000-8000-000000000002", **fixture, **fields}
        with open(os.path.join(d, "model.json"), "w") as f:
            json.dump(model, f)
        expect_error(case, ["import", d, "--archive", archive], status=2, pattern=pattern)

    # A translation altered in a copy of the archive: the next snapshot heals it (the service still has the
    # right text); check still reports the older snapshots; export and diff of the new snapshot carry the right text.
    damaged = os.path.join(ctx.work, "answers-damaged.sqlite")
    for suffix in ("", "-wal"):
        if os.path.exists(archive + suffix):
            shutil.copy(archive + suffix, damaged + suffix)
    con = sqlite3.connect(damaged)
    model_id, word, right = con.execute(
        "SELECT m.customization_id, w.word, w.translation FROM words w JOIN models m ON m.id = w.model "
        "WHERE w.valid_to = 2147483647 ORDER BY w.id LIMIT 1").fetchone()
    con.execute("UPDATE words SET translation = 'tampered by reliability' WHERE word = ? AND valid_to = 2147483647 "
                "AND model = (SELECT id FROM models WHERE customization_id = ?)", (word, model_id))
    con.commit()
    con.close()
    r = ctx.run(["snapshot", "--archive", damaged, *noauth(base.url)])
    healed = [l for l in r.out.splitlines() if l.startswith("healed: model " + model_id)]
    ctx.record("bad input", "archive: a damaged translation, then snapshot", "exit 0, one line says the model was healed",
               f"exit {r.rc}, {len(healed)} healed line(s)" + one_err(r), r.rc == 0 and len(healed) == 1 and "1 damaged row" in healed[0])
    c = ctx.run(["check", "--archive", damaged, "--json"])
    problems = json.loads(c.out).get("problems", []) if c.out.strip().startswith("{") else []
    latest = max(snapshot_ids(ctx, damaged))
    old = sorted({p.get("snapshot") for p in problems if p.get("snapshot") is not None})
    ctx.record("bad input", "archive: check after healing", "exit 2, problems in the older snapshots only",
               f"exit {c.rc}, problems in snapshots {old} (new: {latest})",
               c.rc == 2 and bool(old) and latest not in old)
    out = os.path.join(ctx.work, "answers-export")
    e = ctx.run(["export", "latest", "--to", out, "--archive", damaged])
    exported = {}
    for name in os.listdir(out) if os.path.isdir(out) else []:
        with open(os.path.join(out, name)) as f:
            m = json.load(f)
        if m["customization_id"] == model_id:
            exported = {w["word"]: w["translation"] for w in m["words"]}
    d = ctx.run(["diff", "latest~1", "latest", "--json", "--archive", damaged])
    changes = [w for m in json.loads(d.out).get("models", []) for w in m.get("words", [])] if d.rc in (0, 1) else []
    diff_ok = any(w.get("word") == word and (w.get("new") or {}).get("translation") == right for w in changes)
    ctx.record("bad input", "archive: export and diff of the healed snapshot", "the service's text, not the damaged one",
               f"export exit {e.rc} ({'right' if exported.get(word) == right else 'WRONG'} text), diff exit {d.rc} "
               f"({'shows the repair' if diff_ok else 'no repair shown'})",
               e.rc == 0 and exported.get(word) == right and diff_ok)


def bad_input_import(ctx, base, archive, expect_error):
    """`import` of a folder made the way IBM's backup procedure makes one (reference §10, ha-dr): curl saves the
    list body of GET /v1/customizations as models.json, each GET /v1/customizations/{id} as <id>.json, and maybe
    each GET .../words as <id>-words.json or words_<id>.json; then what such a folder may get wrong."""
    listed = base.call("GET", "/v1/customizations")
    ids = [m["customization_id"] for m in listed["customizations"]]
    got = {i: base.call("GET", f"/v1/customizations/{i}") for i in ids}

    def folder(files):
        d = tempfile.mkdtemp(dir=ctx.work, prefix="import-")
        for name, body in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False))
        return d

    # models[0] whole; models[1] saved without words, its words beside it; models[2] whole plus an equal words list.
    bare = {k: v for k, v in got[ids[1]].items() if k not in ("words", "prompts")}
    ibm = {"models.json": listed, f"{ids[0]}.json": got[ids[0]], f"{ids[1]}.json": bare,
           f"{ids[1]}-words.json": base.call("GET", f"/v1/customizations/{ids[1]}/words"),
           f"{ids[2]}.json": got[ids[2]], f"words_{ids[2]}.json": {"words": got[ids[2]]["words"]}}
    fresh = os.path.join(ctx.work, "import-ibm.sqlite")
    r = ctx.run(["import", folder(ibm), "--archive", fresh])
    shown = ctx.run(["show", "latest", "--json", "--words", "--archive", fresh])
    entries = lambda words: sorted(json.dumps(w, sort_keys=True) for w in words or [])
    stored = {m["customization_id"]: m.get("words") for m in json.loads(shown.out)["models"]} if shown.rc == 0 else {}
    same = set(stored) == set(ids) and all(entries(stored[i]) == entries(got[i]["words"]) for i in ids)
    ctx.record("bad input", "import: IBM-procedure folder (list, model files, words lists)",
               f"exit 0, words per model {[len(got[i]['words']) for i in ids]}, entries as the service's",
               f"exit {r.rc}, words per model {[len(stored.get(i) or []) for i in ids]}, entries {'the same' if same else 'DIFFERENT'}",
               r.rc == 0 and same)

    missing = dict(ibm)
    del missing[f"{ids[0]}.json"]
    expect_error("import: the list names a model with no file", ["import", folder(missing), "--archive", archive],
                 status=2, pattern=re.escape(ids[0]) + ".*models\\.json|models\\.json.*" + re.escape(ids[0]))
    stray = "5a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
    orphan = dict(ibm, **{f"{stray}-words.json": {"words": [{"word": "X", "translation": "ex"}]}})
    expect_error("import: a words list that matches no model", ["import", folder(orphan), "--archive", archive],
                 status=2, pattern=re.escape(f"{stray}-words.json"))
    # The rest without the list (a folder as `export` writes it), so that each is the folder's only fault.
    exported = {f"{i}.json": got[i] for i in ids}
    expect_error("import: a file holding [1,2,3]", ["import", folder(dict(exported, **{"numbers.json": "[1,2,3]"})), "--archive", archive],
                 status=2, pattern="numbers\\.json.*array")
    twice = dict(got[ids[0]], words=got[ids[0]]["words"] + got[ids[0]]["words"][:1])
    expect_error("import: a word twice in a model file", ["import", folder(dict(exported, **{f"{ids[0]}.json": twice})), "--archive", archive],
                 status=2, pattern=re.escape(f"{ids[0]}.json") + ".*" + re.escape(json.dumps(twice["words"][0]["word"], ensure_ascii=False)))
    expect_error("import: a model file without words, no words list", ["import", folder(dict(exported, **{f"{ids[1]}.json": bare})), "--archive", archive],
                 status=2, pattern=re.escape(f"{ids[1]}.json") + ".*no words")


def bad_input_output(ctx, base, archive, expect_error):
    """Output safety, filters that match nothing, raw errors (issue 15, items 9-11)."""
    # Text a terminal would obey: C0 but LF (and the tabs of --name-only), DEL, C1, U+2028/9, bidi overrides.
    raw = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e]")
    control = "a\x1b[31mred\x07\r\nb\x00c\x7fd\x9be\u2028f\u202eg"  # as fake_tts_server.py's CONTROL_TEXT
    escaped = "a\\u{1B}[31mred\\u{7}\\r\\nb\\0c\\u{7F}d\\u{9B}e\\u{2028}f\\u{202E}g"

    def visible(case, args, tabs=False, codes=(0, 1)):
        r = ctx.run(args)
        out = r.out.replace("\t", " ") if tabs else r.out
        bad = sorted({hex(ord(c)) for c in raw.findall(out + r.err)})
        ok = r.rc in codes and not bad and escaped in r.out
        ctx.record("bad input", f"control characters: {case}", "no raw control character, shown escaped",
                   f"exit {r.rc}, raw {', '.join(bad) or 'none'}, escaped {'shown' if escaped in r.out else 'MISSING'}"
                   + one_err(r), ok)

    def exact(case, args, find):
        r = ctx.run(args)
        try:
            found = find(json.loads(r.out))
        except (ValueError, KeyError, IndexError, TypeError) as e:
            found = f"unreadable ({e})"
        ok = r.rc in (0, 1) and found is True
        ctx.record("bad input", f"control characters: {case} --json", "the exact strings",
                   f"exit {r.rc}, {'exact' if found is True else found}" + one_err(r), ok)

    ctl = os.path.join(ctx.work, "output-controls.sqlite")
    note = "n" + control.replace("\x00", "")  # an argument cannot hold NUL
    fake = Server.fake(ctx, "control-characters")
    s1 = ctx.run(["snapshot", "--archive", ctl, "--tag", "t\x1b[2Jx", "--note", note, *noauth(fake.url)])
    s2 = ctx.run(["snapshot", "--archive", ctl, *noauth(base.url)])
    ctx.record("bad input", "control characters: snapshot of names and words holding them", "exit 0, twice",
               f"exit {s1.rc} / {s2.rc}" + one_err(s1) + one_err(s2), s1.rc == 0 and s2.rc == 0)
    visible("models", ["models", *noauth(fake.url)])
    visible("show --words", ["show", "1", "--words", "--archive", ctl])
    visible("diff", ["diff", "1", "2", "--archive", ctl])
    visible("diff --stat", ["diff", "1", "2", "--stat", "--archive", ctl])
    visible("diff --name-only", ["diff", "1", "2", "--name-only", "--archive", ctl], tabs=True)
    r = ctx.run(["snapshots", "--archive", ctl])
    bad, shown = raw.findall(r.out), "t\\u{1B}[2Jx" in r.out
    ctx.record("bad input", "control characters: snapshots (a tag holding ESC)", "no raw control character, shown escaped",
               f"exit {r.rc}, raw {len(bad)}, {'escaped' if shown else 'MISSING'}", r.rc == 0 and not bad and shown)
    e = ctx.run(["show", "1", "--model", "nosuch", "--archive", ctl])
    ok = e.rc == 2 and len(e.err_lines) == 1 and not raw.findall(e.err) and escaped in e.err
    ctx.record("bad input", "control characters: an error line quoting the name", "exit 2, one line, escaped",
               f"exit {e.rc}, {len(e.err_lines)} line(s), raw {len(raw.findall(e.err))}", ok)
    target = Server.emulator(ctx, name="output-target")
    # The target may refuse the part of speech holding ESC (exit 2): the report names it, escaped.
    visible("restore report", ["restore", "1", "--archive", ctl, *noauth(target.url)], codes=(0, 1, 2))
    target.stop()

    def model_of(d):
        return d["models"][0]
    exact("show", ["show", "1", "--words", "--json", "--archive", ctl],
          lambda d: model_of(d)["name"] == control and model_of(d)["description"] == "d" + control
          and any(w["word"] == "w" + control and w["translation"] == "t" + control for w in model_of(d)["words"])
          and d["snapshot"]["note"] == note)
    exact("diff", ["diff", "1", "2", "--json", "--archive", ctl],
          lambda d: any(m["name"] == control and any(w["word"] == "w" + control and w["old"]["translation"] == "t" + control
                                                      and w["old"]["part_of_speech"] == "Noun\x1b" for w in m["words"])
                        for m in d["models"]))
    exact("models", ["models", "--json", *noauth(fake.url)], lambda d: d["customizations"][0]["name"] == control)
    exact("snapshots", ["snapshots", "--json", "--archive", ctl], lambda d: d[-1]["tags"] == ["t\x1b[2Jx"])
    fake.stop()

    # A --model or --language that matches nothing: exit 2, one line naming what exists, nothing recorded.
    r = ctx.run(["show", "latest", "--json", "--archive", archive])
    real = json.loads(r.out)["models"][0]["name"]
    exists = r"\d+ models?: \"|\d+ languages?: "
    for case, args in [
        ("filter: show --model nosuch", ["show", "latest", "--model", "nosuch"]),
        ("filter: show --language nosuch", ["show", "latest", "--language", "nosuch"]),
        ("filter: export --model nosuch", ["export", "latest", "--to", os.path.join(ctx.work, "export-nosuch"), "--model", "nosuch"]),
        ("filter: diff --model nosuch", ["diff", "--model", "nosuch"]),
        ("filter: diff --language nosuch", ["diff", "--language", "nosuch"]),
        ("filter: diff latest live --model nosuch", ["diff", "latest", "live", "--model", "nosuch", *noauth(base.url)]),
        ("filter: restore --model nosuch", ["restore", "latest", "--model", "nosuch", *noauth(base.url)]),
        ("filter: restore --dry-run --language nosuch", ["restore", "latest", "--dry-run", "--language", "nosuch", *noauth(base.url)]),
        ("filter: drill --model nosuch", ["drill", "--model", "nosuch"]),
        ("filter: snapshot --model nosuch", ["snapshot", "--model", "nosuch", *noauth(base.url)]),
        ("filter: snapshot --language nosuch", ["snapshot", "--language", "nosuch", *noauth(base.url)]),
        ("filter: snapshot --model REAL --model nosuch", ["snapshot", "--model", real, "--model", "nosuch", *noauth(base.url)]),
    ]:
        expect_error(case, [*args, "--archive", archive], status=2, pattern=exists)
    expect_error("filter: models --language nosuch", ["models", "--language", "nosuch", *noauth(base.url)], status=2,
                 pattern=r"\d+ languages?: ")
    ctx.record("bad input", "filter: nothing exported for --model nosuch", "no folder made",
               "none" if not os.path.exists(os.path.join(ctx.work, "export-nosuch")) else "MADE",
               not os.path.exists(os.path.join(ctx.work, "export-nosuch")))

    # Raw Foundation/NIO errors: one line naming the file or answer at fault and what to do.
    existing = os.path.join(ctx.work, "output-existing.txt")
    with open(existing, "w") as f:
        f.write("mine\n")
    expect_error("export --to an existing file", ["export", "latest", "--to", existing, "--archive", archive], status=2,
                 pattern="is a file, not a folder")
    expect_error("export --to a path through a file", ["export", "latest", "--to", existing + "/sub", "--archive", archive],
                 status=2, pattern="a part of the path is a file")
    folder = os.path.join(ctx.work, "output-export")
    ctx.run(["export", "latest", "--to", folder, "--archive", archive])
    expect_error("export --to a folder holding the same files", ["export", "latest", "--to", folder, "--archive", archive],
                 status=2, pattern="already exists")
    big = Server.fake(ctx, "oversized-model")
    expect_error("server: an answer over 64 MiB (chunked)", ["snapshot", "--archive", archive, *noauth(big.url)], status=2,
                 pattern="larger than 64 MiB.*check that the URL")
    big.stop()
    r = ctx.run(["snapshot", "--archive", archive, "--timeout", "0", *noauth(base.url)])
    first = r.err_lines[0] if r.err_lines else ""
    ok = r.rc == 64 and "from 0.001 to 3600" in first and "between 0" not in r.err
    ctx.record("bad input", "--timeout 0", "exit 64 (usage), says the range allowed",
               f"exit {r.rc}: {first[:80]}", ok)


def bad_input_files(ctx, base, archive, expect_error):
    """Issue 15 items 5-8: a damaged page, files that are not ours, special files, archive-backup's destination."""
    import sqlite3
    beside = lambda path: [path + s for s in ("-wal", "-shm", "-journal") if os.path.exists(path + s)]

    # A damaged page in the middle of the words table (a leaf's b-tree header overwritten, not the file header),
    # in an archive of two different snapshots so that a diff reads rows.
    emu = Server.emulator(ctx, "--generate", "models=3,words=3000,seed=4", name="files-source")
    damaged = os.path.join(ctx.work, "damaged.sqlite")
    ctx.run(["snapshot", "--archive", damaged, *noauth(emu.url)])
    emu.call("POST", "/_emulator/churn", {"seed": 2, "spec": "night"})
    ctx.run(["snapshot", "--archive", damaged, *noauth(emu.url)])
    con = sqlite3.connect(damaged)
    leaves = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = 'words' AND pagetype = 'leaf' ORDER BY pageno")]
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(damaged, "r+b") as f:
        f.seek((leaves[len(leaves) // 2] - 1) * page_size)
        f.write(b"\xff" * 64)
    expect_error("archive: damaged page (check)", ["check", "--archive", damaged], damaged, 3, pattern="archive is damaged")
    expect_error("archive: damaged page (snapshot: nothing added)", ["snapshot", "--archive", damaged, *noauth(emu.url)],
                 damaged, 3, pattern="archive is damaged")
    # Snapshot 1 holds every row of the first half of the words table (the second night adds only its changes at
    # the end); `latest` would miss the page when the night deleted the model whose rows it holds.
    expect_error("archive: damaged page (show --words)", ["show", "1", "--words", "--archive", damaged], damaged, 3,
                 pattern="archive is damaged")
    expect_error("archive: damaged page (export)", ["export", "1", "--to", os.path.join(ctx.work, "damaged-export"),
                 "--archive", damaged], damaged, 3, pattern="archive is damaged")
    emu.stop()

    # Another application's database (rollback journal: a WAL switch would change header bytes 18-19), an empty
    # file and an empty SQLite database: refused untouched, with nothing left beside them.
    other, empty, empty_db = (os.path.join(ctx.work, n) for n in ("other-app.sqlite", "empty.sqlite", "empty-db.sqlite"))
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('Ada')")
    con.commit()
    con.close()
    open(empty, "wb").close()
    con = sqlite3.connect(empty_db)
    con.execute("VACUUM")  # a valid 1-page database with no tables
    con.close()
    expect_error("file not ours: another app's SQLite (snapshots)", ["snapshots", "--archive", other], other, 3, pattern="another application")
    expect_error("file not ours: another app's SQLite (snapshot)", ["snapshot", "--archive", other, *noauth(base.url)], other, 3,
                 pattern="another application")
    for path, what in [(empty, "an empty file"), (empty_db, "an empty SQLite database")]:
        for command in ("check", "info", "snapshots"):
            expect_error(f"file not ours: {what} ({command})", [command, "--archive", path], path, 3, pattern="not an archive yet")
    left = [p for path in (other, empty, empty_db) for p in beside(path)]
    ctx.record("bad input", "files not ours: nothing left beside them", "no -wal, -shm or -journal",
               "none" if not left else "left " + ", ".join(os.path.basename(p) for p in left), not left)

    # /dev/null (a device): refused before SQLite opens it. /dev/null-journal is shared with the whole machine:
    # one left by a broken build is removed first.
    if os.path.exists("/dev/null-journal"):
        os.remove("/dev/null-journal")
    for command in (["snapshots"], ["check"], ["snapshot", *noauth(base.url)]):
        expect_error(f"file not ours: /dev/null ({command[0]})", [*command, "--archive", "/dev/null"], "/dev/null", 3, pattern="device")
    ctx.record("bad input", "file not ours: /dev/null, nothing beside it", "no /dev/null-journal",
               "none" if not beside("/dev/null") else "left " + ", ".join(beside("/dev/null")), not beside("/dev/null"))

    # archive-backup onto an existing name: a symlink to a file, a dangling symlink, a file. Exit 2, one line
    # naming the path, nothing written through the link, no temporary file left.
    backups = os.path.join(ctx.work, "backups")
    os.makedirs(backups)
    precious, existing = os.path.join(backups, "precious.txt"), os.path.join(backups, "existing.sqlite")
    for path in (precious, existing):
        with open(path, "w") as f:
            f.write("keep me\n")
    link, dangling = os.path.join(backups, "link.sqlite"), os.path.join(backups, "dangling.sqlite")
    os.symlink(precious, link)
    os.symlink(os.path.join(backups, "nowhere.sqlite"), dangling)
    expect_error("archive-backup: onto a symlink to a file", ["archive-backup", link, "--archive", archive], precious, 2,
                 pattern=re.escape(link))
    expect_error("archive-backup: onto a dangling symlink", ["archive-backup", dangling, "--archive", archive], status=2,
                 pattern=re.escape(dangling))
    expect_error("archive-backup: onto an existing file", ["archive-backup", existing, "--archive", archive], existing, 2,
                 pattern=re.escape(existing))
    listing = sorted(os.listdir(backups))
    ok = listing == ["dangling.sqlite", "existing.sqlite", "link.sqlite", "precious.txt"]
    ctx.record("bad input", "archive-backup: nothing written through a link", "no file created, no temporary file left",
               "folder as before" if ok else "folder holds " + ", ".join(listing), ok)


def bad_input_jobs(ctx, base, archive, expect_error):
    """Jobs with one shape (issue 16, part 1): restore --json prints the warnings its progress events carry on
    stderr, one line each, and the JSON report on stdout; a drill and a rollback on the same archive succeed."""
    src = Server.emulator(ctx, name="jobs-source")
    created = src.call("POST", "/v1/customizations", {"name": "TCP/IP terms", "language": "en-US", "description": ""})
    mid = created["customization_id"]
    src.call("POST", f"/v1/customizations/{mid}/words", {"words": [{"word": "IEEE", "translation": "I triple E"}]})
    jobs = os.path.join(ctx.work, "jobs.sqlite")
    ctx.run(["snapshot", "--archive", jobs, *noauth(src.url)])
    target = Server.emulator(ctx, name="jobs-target")
    r = ctx.run(["restore", "latest", "--json", "--archive", jobs, "--to-url", target.url, "--auth-type", "noAuth"])
    try:
        status = json.loads(r.out).get("status") if r.rc == 0 else None
    except ValueError:
        status = "not JSON"
    warned = len(r.err_lines) == 1 and r.err_lines[0].startswith(f"tts-archive: warning: model {mid}: the name") \
        and '"/"' in r.err_lines[0]
    ctx.record("bad input", "restore --json: a model name the service may refuse",
               "exit 0, JSON report (complete), one stderr warning line from the job's events",
               f"exit {r.rc}, report {status}, {len(r.err_lines)} stderr lines{'' if warned else ' (not the warning)'}",
               r.rc == 0 and status == "complete" and warned)
    d = ctx.run(["drill", "--json", "--archive", jobs])
    try:
        drilled = json.loads(d.out).get("status") if d.rc == 0 else None
    except ValueError:
        drilled = "not JSON"
    ctx.record("bad input", "drill --json of the same archive", "exit 0, passed, no stderr",
               f"exit {d.rc}, {drilled}, {len(d.err_lines)} stderr lines", d.rc == 0 and drilled == "passed" and not d.err_lines)
    target.stop()
    src.stop()


def bad_input_tidy(ctx, base, archive, expect_error):
    """Closed choices and hints (issue 17, section 1): an option outside its choices is a usage error (exit 64)
    that lists them; the core's errors say what is missing and the CLI adds which command helps."""
    for case, args, names in [
        ("restore --existing merge", ["restore", "latest", "--existing", "merge", *noauth(base.url)],
         ["'fail'", "'skip'", "'update'", "'replace'"]),
        ("restore --mode bulk", ["restore", "latest", "--mode", "bulk", *noauth(base.url)], ["'batch'", "'single'"]),
        ("diff --match-by guid", ["diff", "--match-by", "guid"], ["'id'", "'name'"]),
    ]:
        before = sha(archive)
        r = ctx.run([*args, "--archive", archive])
        first = r.err_lines[0] if r.err_lines else ""
        ok = r.rc == 64 and all(n in first for n in names) and sha(archive) == before
        ctx.record("bad input", f"choice: {case}", "exit 64 (usage), names the choices, archive unchanged",
                   f"exit {r.rc}: {first[:90]}", ok)
    expect_error("hint: restore --resume of no run", ["restore", "--resume", "99", "--archive", archive, *noauth(base.url)],
                 status=2, pattern=r"^tts-archive: error: no restore run 99 in the archive \(see `tts-archive restores`\)$")
    expect_error("hint: forget without a rule", ["forget", "--archive", archive], status=2,
                 pattern=r"no --keep-\* option given; refusing to forget every snapshot$")


def bad_input_sync(ctx, base, archive, expect_error):
    """Warm standby (issue 20): sync's options, a first sync into a target that has models, drift on the standby
    (refused: nothing sent, nothing recorded), and target answers that are garbage (a failed run, never a
    deletion); `diff --match-by pairing` needs a live side and a pairing."""
    import sqlite3
    # Usage errors: argument-parser's own message (exit 64), the archive untouched.
    for case, args, says in [
        ("sync: --batch-size 0", ["sync", "--batch-size", "0", *noauth(base.url)], "--batch-size must be at least 1"),
        ("sync: --verify with an unknown value", ["sync", "--verify", "some", *noauth(base.url)], "'touched' and 'all'"),
        ("sync: --verify all with --no-verify", ["sync", "--verify", "all", "--no-verify", *noauth(base.url)], "not both"),
        ("diff --match-by pairing of two snapshots", ["diff", "latest~1", "latest", "--match-by", "pairing"], "compares a snapshot with live"),
    ]:
        before = sha(archive)
        r = ctx.run([*args, "--archive", archive])
        first = r.err_lines[0] if r.err_lines else ""
        ctx.record("bad input", case, "exit 64 (usage), says what is wrong, archive unchanged", f"exit {r.rc}: {first[:80]}",
                   r.rc == 64 and says in first and sha(archive) == before)
    for case, args in [
        ("sync: an unknown snapshot", ["sync", "99", *noauth(base.url)]),
        ("sync: first sync into a target that has models", ["sync", *noauth(base.url)]),
        ("diff --match-by pairing: a target never synced", ["diff", "latest", "live", "--match-by", "pairing", *noauth(base.url)]),
    ]:
        expect_error(case, [*args, "--archive", archive], status=2)
    fake = Server.fake(ctx, "malformed-list")
    expect_error("sync: the target's list is not JSON (first sync)", ["sync", "--archive", archive, *noauth(fake.url)],
                 status=2, pattern="invalid JSON|malformed")
    fake.stop()

    # A standby synced once; then its twin is renamed on it directly: the next sync refuses, exit 2, and prints
    # the drift on stdout as diff does.
    src = Server.emulator(ctx, name="sync-source")
    mid = src.call("POST", "/v1/customizations", {"name": "Standby terms", "language": "en-US", "description": ""})["customization_id"]
    src.call("POST", f"/v1/customizations/{mid}/words", {"words": [{"word": "IEEE", "translation": "I triple E"}]})
    synced = os.path.join(ctx.work, "sync.sqlite")
    ctx.run(["snapshot", "--archive", synced, *noauth(src.url)])
    standby = Server.emulator(ctx, name="sync-standby")
    first = ctx.run(["sync", "--archive", synced, "--to-url", standby.url, "--auth-type", "noAuth"])
    twins = standby.call("GET", "/v1/customizations")["customizations"]
    ctx.record("bad input", "sync: a first sync into an empty standby", "exit 0, one model created, verified",
               f"exit {first.rc}, {len(twins)} models", first.rc == 0 and len(twins) == 1 and "verified" in first.out)
    standby.call("POST", f"/v1/customizations/{twins[0]['customization_id']}", {"name": "Renamed by hand"})
    src.call("POST", f"/v1/customizations/{mid}/words", {"words": [{"word": "NASA", "translation": "nasa"}]})
    ctx.run(["snapshot", "--archive", synced, *noauth(src.url)])
    expect_error("sync: drift on the standby (a twin renamed on it)",
                 ["sync", "--archive", synced, "--to-url", standby.url, "--auth-type", "noAuth"], synced, 2,
                 pattern="changed directly")
    r = ctx.run(["sync", "--archive", synced, "--to-url", standby.url, "--auth-type", "noAuth"])
    ctx.record("bad input", "sync: the drift refusal prints the drift as diff does", "stdout names the model and the rename",
               f"exit {r.rc}, stdout {'has' if 'Renamed by hand' in r.out else 'LACKS'} the rename",
               r.rc == 2 and "Renamed by hand" in r.out)
    d = ctx.run(["diff", "latest~1", "live", "--match-by", "pairing", "--archive", synced, *noauth(standby.url)])
    ctx.record("bad input", "diff latest~1 live --match-by pairing shows the drift", "exit 1, the rename listed",
               f"exit {d.rc}", d.rc == 1 and "Renamed by hand" in d.out)
    f = ctx.run(["sync", "--force", "--archive", synced, "--to-url", standby.url, "--auth-type", "noAuth"])
    d = ctx.run(["diff", "latest", "live", "--match-by", "pairing", "--archive", synced, *noauth(standby.url)])
    ctx.record("bad input", "sync --force overwrites the drift", "exit 0, then diff --match-by pairing exit 0",
               f"sync exit {f.rc}, diff exit {d.rc}", f.rc == 0 and d.rc == 0)
    standby.stop()

    # A pairing with a fake target whose model answer names another id: --check-drift reads it, the run fails
    # with exit 2 before anything is sent or recorded (a malformed answer never becomes a deletion).
    fake = Server.fake(ctx, "wrong-id")
    garbage = os.path.join(ctx.work, "sync-garbage.sqlite")
    shutil.copy(synced, garbage)
    con = sqlite3.connect(garbage)
    con.execute("DELETE FROM sync_targets")
    con.execute("INSERT INTO sync_targets (target, snapshot, synced_at) VALUES (?, 1, '2026-01-01T00:00:00.000Z')",
                (fake.url.rstrip("/"),))
    con.execute("INSERT INTO sync_pairings (target, source_id, target_id) VALUES (?, ?, '0b6a1c44-6f2e-4c1e-9b7a-2f6d3c1e5a10')",
                (fake.url.rstrip("/"), mid))
    con.commit()
    con.close()
    expect_error("sync --check-drift: the target's model answer names another id",
                 ["sync", "--check-drift", "--archive", garbage, *noauth(fake.url)], garbage, 2, pattern="customization_id")
    fake.stop()
    src.stop()


def bad_input_cancel(ctx, base, archive, expect_error):
    """Cancellation (issue 16, part 3): SIGINT or SIGTERM to a snapshot held at a request (an emulator hold, not a
    timer) cancels it: exit 130, one line saying nothing was recorded, the archive as it was."""
    path = os.path.join(ctx.work, "cancel.sqlite")
    for sig, name in [(signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")]:
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        shutil.copy(archive, path)
        before, listed = sha(path), ctx.run(["snapshots", "--archive", path, "--json"]).out
        hold = base.call("POST", "/_emulator/holds", {"method": "GET", "prefix": "/v1/customizations/", "skip": 1})["id"]
        p = ctx.start(["snapshot", "--archive", path, *noauth(base.url)])
        try:
            base.call("GET", f"/_emulator/holds/{hold}")  # answers once the snapshot waits on its second model
            p.send_signal(sig)
            out, err = p.communicate(timeout=60)
        finally:
            base.call("DELETE", f"/_emulator/holds/{hold}")
        lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
        unchanged = sha(path) == before and ctx.run(["snapshots", "--archive", path, "--json"]).out == listed
        one = len(lines) == 1 and lines[0] == f"tts-archive: error: cancelled by {name}: nothing recorded"
        ctx.record("bad input", f"{name} to a snapshot held at its second model",
                   "exit 130, one line 'cancelled by ...: nothing recorded', archive unchanged",
                   f"exit {p.returncode}, {len(lines)} stderr line{'s' if len(lines) != 1 else ''}"
                   f"{'' if one or not lines else ' (' + lines[0][:80] + ')'}, archive {'unchanged' if unchanged else 'CHANGED'}",
                   p.returncode == 130 and one and unchanged)


def bad_input_server(ctx, base, archive, expect_error):
    """The archive server (issue 18): start-up refusals are one line, exit 2, before the archive is touched; then
    a client that knows only the documented headers takes a snapshot through it, and SIGTERM stops it (exit 0)."""
    src = dict(TEXT_TO_SPEECH_URL=base.url, TEXT_TO_SPEECH_AUTH_TYPE="noAuth")
    config = os.path.join(ctx.work, "server.yaml")
    with open(config, "w") as f:
        f.write("sources:\n  - name: prod\n    service_name: text_to_speech\n    shedule: daily\n")
    expect_error("serve: config with an unknown key", ["serve", "--archive", archive, "--config", config],
                 status=2, env=ctx.env(**src), pattern="unknown key 'shedule'")
    with open(config, "w") as f:
        f.write("sources:\n  - name: a\n    service_name: text_to_speech\n  - name: b\n    service_name: copy\n")
    expect_error("serve: two sources resolving to one service URL", ["serve", "--archive", archive, "--config", config],
                 status=2, env=ctx.env(**src, COPY_URL=base.url + "/", COPY_AUTH_TYPE="noAuth"), pattern="same service URL")
    expect_error("serve: config file missing", ["serve", "--archive", archive, "--config", config + ".missing"],
                 status=2, env=ctx.env(**src), pattern="cannot read")
    expect_error("serve: listening off loopback without a token", ["serve", "--archive", archive, "--listen", "0.0.0.0:0"],
                 status=2, env=ctx.env(**src), pattern="token")
    expect_error("serve: malformed --listen", ["serve", "--archive", archive, "--listen", "8080"],
                 status=2, env=ctx.env(**src), pattern="HOST:PORT")
    expect_error("serve: --token-file missing", ["serve", "--archive", archive, "--token-file", config + ".none"],
                 status=2, env=ctx.env(**src), pattern="token-file")
    # TLS (issue 18): both files or neither; an unreadable or non-PEM file is named.
    with open(config, "w") as f:
        f.write("not a certificate\n")
    expect_error("serve: --tls-cert without --tls-key", ["serve", "--archive", archive, "--tls-cert", config],
                 status=2, env=ctx.env(**src), pattern="--tls-cert needs --tls-key")
    expect_error("serve: --tls-cert missing", ["serve", "--archive", archive, "--tls-cert", config + ".none", "--tls-key", config],
                 status=2, env=ctx.env(**src), pattern=r"--tls-cert \S+: no such file")
    expect_error("serve: --tls-cert not PEM", ["serve", "--archive", archive, "--tls-cert", config, "--tls-key", config],
                 status=2, env=ctx.env(**src), pattern="not a PEM certificate")

    # A client that follows only the documented headers: POST, read Operation-Location, wait Retry-After, repeat.
    path = os.path.join(ctx.work, "served.sqlite")
    p = ctx.start(["serve", "--archive", path, "--listen", "127.0.0.1:0"], env=ctx.env(**src))
    url = p.stdout.readline().decode().strip()
    status, detail, repeat = None, "", None
    try:
        def call(method, where, headers=()):
            req = urllib.request.Request(where if where.startswith("http") else url + where, method=method, data=b"" if method == "POST" else None)
            for k, v in headers:
                req.add_header(k, v)
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), json.loads(r.read() or b"null")
        code, headers, body = call("POST", "/v1/snapshots", [("Operation-Id", "reliability-1")])
        monitor = headers.get("Operation-Location")
        for _ in range(600):
            _, headers, body = call("GET", monitor)
            if body["status"] in ("Succeeded", "Failed", "Canceled"):
                break
            time.sleep(float(headers.get("Retry-After", "1")))
        status = body["status"]
        rcode, _, result = call("GET", monitor + "/result")
        detail = f"POST {code}, {status}, result {rcode} snapshot {result.get('snapshot', {}).get('id')}"
        repeat, _, again = call("POST", "/v1/snapshots", [("Operation-Id", "reliability-1")])
        detail += f", repeat {repeat} ({'same id' if again['id'] == 'reliability-1' else 'another id'})"
    except Exception as e:  # noqa: BLE001 - any failure is the observation
        detail = f"client failed: {e!r}"
    rc = stop_process(p)
    ctx.captured.append(("serve stderr", p.stderr.read()))
    ctx.record("bad input", "serve: a documented-headers client takes a snapshot; SIGTERM stops it",
               "202 then Succeeded, result 200, repeat 200 same id, exit 0",
               f"{detail}, exit {rc}", status == "Succeeded" and repeat == 200 and "same id" in detail and rc == 0)


def bad_input_page(ctx, base, archive, expect_error):
    """Issue 21: the history endpoints' bad input (400 listing what exists; no version is 200 with an empty value)
    and the web page's access rules against a real `serve` with a token: reads go to the login form, a wrong
    token is refused without a cookie, a form without its CSRF token starts nothing, and the token never shows."""
    expect_error("log: --since that is not a time", ["log", "--archive", archive, "--word", "x", "--since", "yesterday"],
                 status=2, pattern="ISO 8601")
    token = "reliability-page-token"
    path = os.path.join(ctx.work, "page.sqlite")
    shutil.copy(archive, path)
    env = ctx.env(TEXT_TO_SPEECH_URL=base.url, TEXT_TO_SPEECH_AUTH_TYPE="noAuth", TTS_ARCHIVE_TOKEN=token)
    p = ctx.start(["serve", "--archive", path, "--listen", "127.0.0.1:0"], env=env)
    url = p.stdout.readline().decode().strip()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)

    def call(method, where, data=None, headers=()):
        req = urllib.request.Request(url + where, method=method, data=data)
        for k, v in headers:
            req.add_header(k, v)
        try:
            with opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    bearer = [("Authorization", "Bearer " + token)]
    try:
        code, _, body = call("GET", "/v1/words/history?word=x&model=no-such-model", headers=bearer)
        ctx.record("bad input", "GET /v1/words/history with a model that matches nothing", "400 listing the models",
                   f"{code} {body[:120]}", code == 400 and "no model named" in body)
        code, _, body = call("GET", "/v1/words/history?word=no-such-word", headers=bearer)
        ctx.record("bad input", "GET /v1/words/history of a word with no version", "200, empty value",
                   f"{code} {body[:80]}", code == 200 and json.loads(body).get("value") == [])
        code, _, body = call("GET", "/v1/models/no-such-model/history", headers=bearer)
        ctx.record("bad input", "GET /v1/models/{id}/history of no model", "400", f"{code}", code == 400)
        code, headers, _ = call("GET", "/")
        ctx.record("bad input", "page: reading without the token", "303 to /login",
                   f"{code} {headers.get('Location')}", code == 303 and (headers.get("Location") or "").startswith("/login"))
        code, headers, body = call("POST", "/login", data=b"token=wrong&next=%2F")
        ctx.record("bad input", "page: a wrong token at the login form", "401, no cookie",
                   f"{code} cookie={'Set-Cookie' in headers}", code == 401 and "Set-Cookie" not in headers)
        code, headers, _ = call("POST", "/login", data=f"token={token}&next=%2Foperations".encode())
        cookie = (headers.get("Set-Cookie") or "").split(";")[0]
        before = sha(path)
        code, _, _ = call("POST", "/operations", data=b"kind=snapshot", headers=[("Cookie", cookie)])
        ctx.record("bad input", "page: a start form without its CSRF token", "403, archive unchanged",
                   f"{code}, archive {'unchanged' if sha(path) == before else 'CHANGED'}", code == 403 and sha(path) == before)
        _, _, page = call("GET", "/operations", headers=[("Cookie", cookie)])
        ctx.record("bad input", "page: the token never shows", "not in the page or the cookie",
                   "absent" if token not in page and token not in cookie else "SHOWN",
                   token not in page and token not in cookie)
    finally:
        stop_process(p)
    err = p.stderr.read().decode(errors="replace")
    ctx.record("bad input", "page: the token never reaches the log", "absent", "SHOWN" if token in err else "absent",
               token not in err)


def bad_input_sched(ctx, base, archive, expect_error):
    """Schedules of the server (issue 19): a bad cron expression, zone, retention rule or notification target, and
    schedule flags used wrongly, are one line at start-up (exit 2), before the archive is touched."""
    src = dict(TEXT_TO_SPEECH_URL=base.url, TEXT_TO_SPEECH_AUTH_TYPE="noAuth")
    serve = ["serve", "--archive", archive, "--listen", "127.0.0.1:0"]
    expect_error("serve: --schedule with 4 fields", [*serve, "--schedule", "0 2 * *"], status=2, env=ctx.env(**src),
                 pattern="has 4 fields")
    expect_error("serve: --schedule-tz unknown", [*serve, "--schedule", "@daily", "--schedule-tz", "Mars/Olympus"],
                 status=2, env=ctx.env(**src), pattern="time zone 'Mars/Olympus'")
    expect_error("serve: --schedule-drill without --schedule", [*serve, "--schedule-drill"], status=2,
                 env=ctx.env(**src), pattern="go with --schedule")
    expect_error("serve: --schedule-keep-within malformed", [*serve, "--schedule", "@daily", "--schedule-keep-within", "3 days"],
                 status=2, env=ctx.env(**src), pattern="duration")
    config = os.path.join(ctx.work, "sched.yaml")
    with open(config, "w") as f:
        f.write("sources:\n  - name: prod\n    service_name: text_to_speech\n")
    expect_error("serve: --schedule with --config", [*serve, "--config", config, "--schedule", "@daily"], status=2,
                 env=ctx.env(**src), pattern="config")
    for case, yaml, pattern in [
        ("a cron expression that never fires", '    schedule: "0 0 30 2 *"\n', "never fires"),
        ("keep: with a misspelt rule", '    schedule: "@daily"\n    keep:\n      dayly: 7\n', "unknown key 'dayly'"),
        ("drill: without a schedule", "    drill: true\n", "only a source with a schedule"),
        ("notify: an ftp webhook", 'notify:\n  webhook: "ftp://127.0.0.1/x"\n', "http:// or https://"),
        ("scheduler: max_concurrent 0", "scheduler:\n  max_concurrent: 0\n", "max_concurrent"),
    ]:
        with open(config, "w") as f:
            top = yaml if not yaml.startswith("    ") else ""
            f.write("sources:\n  - name: prod\n    service_name: text_to_speech\n" + (yaml if not top else "") + top)
        expect_error(f"serve: config {case}", [*serve, "--config", config], status=2, env=ctx.env(**src), pattern=pattern)


def bad_input_standby(ctx, base, archive, expect_error):
    """Warm standby in the server's issue (20): `forget` keeps the snapshot a standby was last synced to (the next
    sync diffs from it), and refuses to forget it by name unless --force."""
    src = Server.emulator(ctx, "--generate", "models=2,words=40,seed=7", name="standby-source")
    kept = os.path.join(ctx.work, "standby-forget.sqlite")
    ctx.run(["snapshot", "--archive", kept, *noauth(src.url)])
    standby = Server.emulator(ctx, name="standby-forget-target")
    first = ctx.run(["sync", "--archive", kept, "--to-url", standby.url, "--auth-type", "noAuth"])
    for seed in (1, 2):
        src.call("POST", "/_emulator/churn", {"seed": seed, "spec": "night"})
        ctx.run(["snapshot", "--archive", kept, *noauth(src.url)])
    expect_error("forget: the snapshot a standby was last synced to, named", ["forget", "1", "--archive", kept], kept, 2,
                 pattern=r"snapshot 1 is the one the sync target http://127\.0\.0\.1:\d+.* last equalled.*--force")
    r = ctx.run(["forget", "--keep-last", "1", "--dry-run", "--json", "--archive", kept])
    decisions = {d["snapshot"]: d for d in json.loads(r.out)["decisions"]} if r.rc == 0 else {}
    why = decisions.get(1, {}).get("reasons", [])
    ctx.record("bad input", "forget --keep-last 1: the last synced snapshot is kept, and says why",
               "exit 0, snapshot 1 kept: last synced to the standby", f"exit {r.rc}, first sync exit {first.rc}, reasons {why}",
               r.rc == 0 and first.rc == 0 and decisions.get(1, {}).get("keep") is True and why == [f"last synced to {standby.url}"]
               and decisions.get(2, {}).get("keep") is False)
    f = ctx.run(["forget", "--keep-last", "1", "--archive", kept])
    s = ctx.run(["sync", "--archive", kept, "--to-url", standby.url, "--auth-type", "noAuth"])
    ctx.record("bad input", "forget by rules, then the next sync still has its base", "forget exit 0, sync exit 0",
               f"forget exit {f.rc}, sync exit {s.rc} {s.err_lines[:1]}", f.rc == 0 and s.rc == 0)
    # A snapshot of the same service with a language filter is another lineage: `sync` (latest) refuses it, exit 2,
    # nothing sent (its difference would delete every twin of the other languages).
    lang = src.call("GET", "/v1/customizations")["customizations"][0]["language"]
    ctx.run(["snapshot", "--language", lang, "--archive", kept, *noauth(src.url)])
    before = len(standby.call("GET", "/v1/customizations")["customizations"])
    expect_error("sync: the latest snapshot is of another lineage (a language filter)",
                 ["sync", "--archive", kept, "--to-url", standby.url, "--auth-type", "noAuth"], kept, 2,
                 pattern=r"is of .*language=.* but .* was last synced to snapshot \d+ of .*nothing was sent")
    after = len(standby.call("GET", "/v1/customizations")["customizations"])
    ctx.record("bad input", "sync: another lineage's snapshot deletes no twin", f"{before} models on the standby",
               f"{after} models", after == before)
    standby.stop()
    src.stop()


def bad_input_list(ctx, base, archive, expect_error):
    """`serve` reads through archive connections kept open between requests (issue 18's listing figure): a
    snapshot the CLI commits is listed by the next request; a migration applied by a newer binary, and the archive
    replaced by a file that is not one, answer the JSON error a fresh open gives (500 `archive_unusable`), and the
    server stays up."""
    import sqlite3
    src = dict(TEXT_TO_SPEECH_URL=base.url, TEXT_TO_SPEECH_AUTH_TYPE="noAuth")
    path = os.path.join(ctx.work, "kept.sqlite")
    ctx.run(["snapshot", "--archive", path, *noauth(base.url)])
    p = ctx.start(["serve", "--archive", path, "--listen", "127.0.0.1:0"], env=ctx.env(**src))
    url = p.stdout.readline().decode().strip()

    def get(where):
        try:
            with urllib.request.urlopen(url + where, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
        except Exception as e:  # noqa: BLE001 - any failure is the observation
            return None, repr(e)

    def ids():
        status, body = get("/v1/snapshots")
        return [s["id"] for s in body["value"]] if status == 200 else f"{status} {body}"

    def error(where):
        status, body = get(where)
        e = body.get("error", {}) if isinstance(body, dict) else {}
        return status, e.get("code"), e.get("message", str(body))

    try:
        before = ids()
        ctx.run(["snapshot", "--archive", path, *noauth(base.url)])
        after = ids()
        ctx.record("bad input", "serve: a snapshot by the CLI is listed by the next request over a kept connection",
                   "[1] then [2, 1]", f"{before} then {after}", before == [1] and after == [2, 1])

        db = sqlite3.connect(path)
        db.execute("INSERT INTO schema_migrations VALUES ('9999_from_a_newer_binary', 'x', '2099-01-01T00:00:00Z')")
        db.commit()
        status, code, message = error("/v1/snapshots")
        ctx.record("bad input", "serve: after a newer binary's migration the next read is refused",
                   "500 archive_unusable naming the migration", f"{status} {code}: {message}",
                   status == 500 and code == "archive_unusable" and "9999_from_a_newer_binary" in message)
        db.execute("DELETE FROM schema_migrations WHERE name = '9999_from_a_newer_binary'")
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nothing in the WAL for SQLite to read over the junk below
        db.close()
        junk = os.path.join(ctx.work, "kept-junk")
        with open(junk, "w") as f:
            f.write("not an archive at all\n")
        os.replace(junk, path)
        status, code, message = error("/v1/snapshots")
        health, _ = get("/healthz")
        ctx.record("bad input", "serve: the archive replaced by a file that is not one: the next read is a JSON error",
                   "500 archive_unusable naming the file, /healthz 200", f"{status} {code}: {message}; /healthz {health}",
                   status == 500 and code == "archive_unusable" and path in message and health == 200)
    finally:
        stop_process(p)
        ctx.captured.append(("serve stderr", p.stderr.read()))


def mount(ctx, *args):
    r = subprocess.run(["mount", *args], capture_output=True)
    if r.returncode == 0:
        ctx.mounts.append(args[-1])
    return r.returncode == 0


def read_only(ctx, base, archive, expect_error):
    """A read-only bind mount when we may mount (root here); else, as root, the command runs as nobody on a
    0444 file in a 0555 folder (chmod alone does not stop root); as another user, chmod a-w."""
    src, ro = os.path.join(ctx.work, "ro-src"), os.path.join(ctx.work, "ro")
    os.makedirs(src)
    os.makedirs(ro)
    shutil.copy(archive, os.path.join(src, "a.sqlite"))
    preexec, how = None, "read-only bind mount"
    if not (mount(ctx, "--bind", src, ro) and subprocess.run(["mount", "-o", "remount,bind,ro", ro]).returncode == 0):
        ro, how = src, "chmod a-w"
        os.chmod(os.path.join(src, "a.sqlite"), 0o444)
        os.chmod(src, 0o555)
        if os.geteuid() == 0:
            how = "setuid nobody, 0444 file"
            os.chmod(ctx.work, 0o755)
            preexec = lambda: (os.setgid(65534), os.setuid(65534))
    path = os.path.join(ro, "a.sqlite")
    expect_error(f"archive: read-only ({how}), snapshot", ["snapshot", "--archive", path, *noauth(base.url)], path, 3,
                 preexec=preexec, pattern="read-only")
    # A demanding user also expects to read a read-only archive (a backup mount): list and check it.
    before = sha(path)
    r = ctx.run(["snapshots", "--archive", path], preexec=preexec)
    c = ctx.run(["check", "--archive", path], preexec=preexec)
    ctx.record("bad input", f"archive: read-only ({how}), snapshots and check", "both exit 0, archive unchanged",
               f"exit {r.rc} / {c.rc}, archive {'unchanged' if sha(path) == before else 'CHANGED'}" + one_err(r),
               r.rc == 0 and c.rc == 0 and sha(path) == before)


def full_disk(ctx, expect_error):
    """A 2 MB tmpfs holding the archive when we may mount; else a file-size limit (ulimit -f) with SIGXFSZ
    ignored, so writes fail with EFBIG as on a full disk."""
    emu = Server.emulator(ctx, "--generate", "models=4,words=40000,seed=3", name="full-source")
    small = Server.emulator(ctx, "--generate", "models=2,words=200,seed=2", name="full-small")
    d = os.path.join(ctx.work, "full")
    os.makedirs(d)
    preexec, how = None, "2 MB tmpfs"
    if not mount(ctx, "-t", "tmpfs", "-o", "size=2m", "tmpfs", d):
        how = "ulimit -f"
    path = os.path.join(d, "a.sqlite")
    ctx.run(["snapshot", "--archive", path, *noauth(small.url)])
    if how == "ulimit -f":
        limit = os.path.getsize(path) + 64 * 1024

        def preexec():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    # A file-size limit fails writes with EFBIG, which SQLite reports as an I/O error rather than SQLITE_FULL.
    expect_error(f"full disk ({how}), snapshot of 40,000 words", ["snapshot", "--archive", path, *noauth(emu.url)],
                 path, preexec=preexec, pattern="full" if how != "ulimit -f" else "full|I/O error")
    c = ctx.run(["check", "--archive", path])
    s = ctx.run(["snapshot", "--archive", path, *noauth(small.url)])
    ctx.record("bad input", f"full disk ({how}): afterwards", "check ok, next (small) snapshot ok",
               f"check exit {c.rc}, snapshot exit {s.rc}" + one_err(s), c.rc == 0 and s.rc == 0)
    emu.stop()
    small.stop()


# ---------------------------------------------------------------------------------------------------------------
# Secrets: known fake keys (and a bearer token) must appear nowhere after runs that pass and runs that fail.

def secrets(ctx):
    src_key, tgt_key, wrong_key = "rel-src-key-7Qx9Vd2Lm", "rel-tgt-key-3Hn8Rw5Kp", "rel-wrong-key-6Zt4Yb1Jc"
    emu = Server.emulator(ctx, "--apikey", src_key, "--apikey", tgt_key, "--log-requests",
                          "--generate", "models=4,words=2000,seed=11", name="secrets-emulator")
    archive = os.path.join(ctx.work, "secrets.sqlite")
    token = iam_token(emu.url, src_key)  # a token the emulator issued, used below as a bearer token
    creds = os.path.join(ctx.work, "ibm-credentials-test.env")
    with open(creds, "w") as f:
        f.write(f"TEXT_TO_SPEECH_URL={emu.url}\nTEXT_TO_SPEECH_APIKEY={src_key}\nTEXT_TO_SPEECH_AUTH_URL={emu.url}\n")
    iam = dict(TEXT_TO_SPEECH_URL=emu.url, TEXT_TO_SPEECH_APIKEY=src_key, TEXT_TO_SPEECH_AUTH_URL=emu.url)
    target = dict(RESTORE_TARGET_URL=emu.url, RESTORE_TARGET_APIKEY=tgt_key, RESTORE_TARGET_AUTH_URL=emu.url)
    runs = [
        ("snapshot (IAM, environment)", ["snapshot", "-v", "--archive", archive], ctx.env(**iam), 0),
        ("snapshot (bearer token)", ["snapshot", "--json", "--archive", archive],
         ctx.env(TEXT_TO_SPEECH_URL=emu.url, TEXT_TO_SPEECH_AUTH_TYPE="bearerToken", TEXT_TO_SPEECH_BEARER_TOKEN=token), 0),
        ("diff latest live (credentials file)", ["diff", "latest", "live", "--archive", archive],
         ctx.env(IBM_CREDENTIALS_FILE=creds), 0),
        ("models (basic auth, key as flag)", ["models", "--url", emu.url, "--auth-type", "basic", "--username", "apikey",
                                              "--password", src_key], None, 0),
        ("restore (IAM, --to-service-name)", ["restore", "latest", "--to-service-name", "restore_target", "--json",
                                              "--archive", archive], ctx.env(**target), 0),
        ("restores", ["restores", "--archive", archive], None, 0),
        ("snapshot, wrong key (fails)", ["snapshot", "--archive", archive],
         ctx.env(**{**iam, "TEXT_TO_SPEECH_APIKEY": wrong_key}), 5),
        ("restore, wrong key as flag (fails)", ["restore", "latest", "--to-url", emu.url, "--apikey", wrong_key,
                                                "--auth-url", emu.url, "--existing", "skip", "--archive", archive], None, 5),
        ("diff, wrong bearer token (fails)", ["diff", "latest", "live", "--archive", archive],
         ctx.env(TEXT_TO_SPEECH_URL=emu.url, TEXT_TO_SPEECH_AUTH_TYPE="bearerToken", TEXT_TO_SPEECH_BEARER_TOKEN=token[::-1]), 5),
    ]
    start = len(ctx.captured)
    statuses = []
    for label, args, env, want in runs:
        r = ctx.run(args, env=env)
        statuses.append(r.rc == want)
        if r.rc != want:
            ctx.messages.append((f"secrets run '{label}'", f"exit {r.rc}, wanted {want}: {r.err.strip()[:200]}"))
    show = ctx.run(["show", "latest", "--words", "--archive", archive])
    export_dir = os.path.join(ctx.work, "secrets-export")
    ctx.run(["export", "latest", "--to", export_dir, "--archive", archive])
    emu.stop()

    needles = {k: v.encode() for k, v in [("source key", src_key), ("target key", tgt_key), ("wrong key", wrong_key),
                                             ("bearer token", token), ("reversed token", token[::-1])]}
    for k in [src_key, tgt_key, wrong_key]:  # the basic-auth header form of a key
        needles["basic header of " + k[:7]] = base64.b64encode(f"apikey:{k}".encode())
    places = {"archive file (binary, with -wal)": b"".join(open(archive + s, "rb").read()
                                                           for s in ("", "-wal") if os.path.exists(archive + s)),
              f"stdout/stderr of {len(runs) + 3} runs": b"\n".join(b for _, b in ctx.captured[start:]),
              "emulator request log (--log-requests)": open(emu.log, "rb").read(),
              "exported JSON files": b"".join(open(os.path.join(export_dir, f), "rb").read() for f in os.listdir(export_dir))}
    ctx.record("secrets", f"{len(runs)} runs with fake keys and a bearer token",
               "every run's exit as expected (0, or 5 for a wrong key)",
               f"{sum(statuses)}/{len(runs)} as expected", all(statuses) and show.rc == 0)
    for place, data in places.items():
        found = [name for name, n in needles.items() if n in data]
        ctx.record("secrets", f"search {place} ({len(data):,} bytes)", "no key, no token",
                   "found " + ", ".join(found) if found else "none found", not found and len(data) > 0)


def iam_token(url, key):
    body = f"grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey={key}".encode()
    req = urllib.request.Request(url + "/identity/token", data=body, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["access_token"]


# ---------------------------------------------------------------------------------------------------------------

def print_table(ctx):
    rows = [("case", "expected", "observed", "pass")] + [
        (f"{sec}: {case}", exp, obs, "yes" if ok else "NO") for sec, case, exp, obs, ok in ctx.results]
    print("| " + " | ".join(rows[0]) + " |")
    print("| --- | --- | --- | --- |")
    for r in rows[1:]:
        print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--only", choices=["faults", "kills", "bad-input", "secrets"], action="append")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1, 1_000_000)
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"error: {binary} is not an executable")
    ctx = Ctx(binary, tempfile.mkdtemp(prefix="tts-reliability."), a.quick, random.Random(seed))
    os.chmod(ctx.work, 0o755)
    print(f"== scripts/reliability{' --quick' if a.quick else ''}: {binary}, seed {seed} (repeat with --seed {seed})",
          file=sys.stderr)
    t0 = time.monotonic()
    try:
        for name, step in [("faults", faults), ("kills", kills), ("bad-input", bad_input), ("secrets", secrets)]:
            if a.only and name not in a.only:
                continue
            print(f"== {name}", file=sys.stderr, flush=True)
            step(ctx)
    finally:
        ctx.cleanup(a.keep)
    failed = [r for r in ctx.results if not r[4]]
    print()
    print_table(ctx)
    print()
    print(f"{len(ctx.results) - len(failed)} of {len(ctx.results)} cases passed in {time.monotonic() - t0:.0f} s "
          f"(seed {seed}{', quick' if a.quick else ''})")
    if ctx.messages:
        print("\nerror lines printed:", file=sys.stderr)
        for case, msg in ctx.messages:
            print(f"  {case}: {msg}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
