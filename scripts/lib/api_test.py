#!/usr/bin/env python3
"""The archive server (`tts-archive serve`) driven from outside, by programs none of us wrote the server for.

Sections (all by default; `--only NAME[,NAME]` picks some):
  schemathesis  schemathesis 4.x against a live `serve` whose source is the emulator: every check, the
                stateful phase included, bounded in examples and time; no 5xx, every answer as the document says.
  client        a client in the Python standard library that follows only the documented headers: POST, read
                Operation-Location, sleep Retry-After, poll until it stops asking, then GET Location; a snapshot,
                then a restore of it into a second emulator.
  walkthrough   the curl walkthrough of docs/server.md, run as written (ports and the archive path moved to free
                ones), each command's shown status line and fields checked against what it printed.

Everything listens on 127.0.0.1; every process started here is stopped here. Exit status 0 when all passed.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "api-test-token"


def say(*parts):
    print(*parts, flush=True)


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Started:
    """A process started here whose first stdout line is its URL (the emulator, serve); stderr to a log file."""

    def __init__(self, args, env, log):
        self.log = log
        self.err = open(log, "wb")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http"):
            self.stop()
            raise Failure(f"{' '.join(args[:2])} did not start: {self.tail()}")
        self.url = line

    def tail(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return " | ".join(f.read().splitlines()[-5:])
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.err.close()


class Stack:
    """Two emulators (a source with models, an empty standby) and `serve` on an archive, in a temp folder."""

    def __init__(self, binary, work, token=None, generate="models=3,words=300,seed=7"):
        self.binary, self.work, self.token = binary, work, token
        self.processes = []
        self.source = self.start([binary, "emulator", "--port", "0", "--generate", generate], "source-emulator")
        self.standby = self.start([binary, "emulator", "--port", "0"], "standby-emulator")
        self.archive = os.path.join(work, "archive.sqlite")
        env = dict(os.environ)
        env.update({"TEXT_TO_SPEECH_URL": self.source.url, "TEXT_TO_SPEECH_AUTH_TYPE": "noAuth",
                    "STANDBY_URL": self.standby.url, "STANDBY_AUTH_TYPE": "noAuth",
                    "IBM_CREDENTIALS_FILE": os.path.join(work, "no-credentials-file")})
        env.pop("TTS_ARCHIVE_TOKEN", None)
        if token:
            env["TTS_ARCHIVE_TOKEN"] = token
        self.serve = self.start([binary, "serve", "--archive", self.archive, "--listen", "127.0.0.1:0"], "serve", env)
        self.api = self.serve.url

    def start(self, args, name, env=None):
        p = Started(args, env or dict(os.environ), os.path.join(self.work, name + ".log"))
        self.processes.append(p)
        return p

    def stop(self):
        for p in reversed(self.processes):
            p.stop()


def http(method, url, body=None, headers=None, token=None):
    """One request: (status, headers as a dict of lower-case names, body bytes). Never raises on a status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# --- schemathesis -------------------------------------------------------------------------------------------------

def section_schemathesis(binary, work, args):
    stack = Stack(binary, work, token=TOKEN)
    try:
        # Something to read: one snapshot, tagged as the dictionary's selectors expect.
        outcome = LongRunningClient(stack.api, token=TOKEN).run("/v1/snapshots", {"tags": ["before-upgrade"]})
        if outcome["monitor"]["status"] != "Succeeded":
            raise Failure(f"the first snapshot did not succeed: {outcome['monitor']}")
        report = os.path.join(work, "schemathesis.txt")
        command = [os.path.join(ROOT, ".venv", "bin", "schemathesis"),
                   "--config-file", os.path.join(ROOT, "scripts", "lib", "schemathesis.toml"),
                   "run", stack.api + "/openapi.yaml",
                   "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
                   "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
                   "--workers", "1", "--seed", str(args.seed), "--request-timeout", "30",
                   "-H", "Authorization: Bearer " + TOKEN, "--no-color"]
        say(f"   schemathesis: {args.max_examples} examples an operation, {args.max_time} s at most, seed {args.seed}")
        with open(report, "wb") as out:
            status = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=work,
                                    timeout=args.max_time * 2 + 120).returncode
        text = open(report, encoding="utf-8", errors="replace").read()
        summary = [line for line in text.splitlines() if re.search(r"generated|passed|failures?|errors?", line)][-3:]
        for line in summary:
            say("   " + line.strip())
        if status != 0:
            say(text[-12000:])
            raise Failure(f"schemathesis found problems (exit {status}); the full report: {report}")
    finally:
        stack.stop()


# --- a client that follows the documented headers ------------------------------------------------------------------

class LongRunningClient:
    """What a client that read only docs/server.md does: POST, take Operation-Location, sleep Retry-After and poll it
    until the monitor stops sending Retry-After, then GET Location for the result."""

    def __init__(self, api, token=None, max_polls=600):
        self.api, self.token, self.max_polls = api, token, max_polls

    def run(self, path, body, operation_id=None):
        headers = {"Operation-Id": operation_id} if operation_id else {}
        status, h, raw = http("POST", self.api + path, body, headers, self.token)
        if status != 202:
            raise Failure(f"POST {path} answered {status}, not 202: {raw[:300]!r}")
        for name in ("operation-location", "operation-id", "retry-after", "location"):
            if name not in h:
                raise Failure(f"POST {path}: the 202 has no {name} header")
        monitor_url, result_url = h["operation-location"], h["location"]
        if not monitor_url.startswith("http://") or not result_url.startswith("http://"):
            raise Failure(f"POST {path}: Operation-Location and Location are not absolute: {monitor_url} {result_url}")
        wait = int(h["retry-after"])
        for _ in range(self.max_polls):
            time.sleep(min(wait, 5))
            status, h, raw = http("GET", monitor_url, token=self.token)
            if status != 200:
                raise Failure(f"GET {monitor_url} answered {status}")
            monitor = json.loads(raw)
            if "retry-after" not in h:
                break
            wait = int(h["retry-after"])
        else:
            raise Failure(f"{monitor_url} still asked to wait after {self.max_polls} polls")
        status, h, raw = http("GET", result_url, token=self.token)
        if status != 200:
            raise Failure(f"GET {result_url} after the end answered {status}")
        return {"monitor": monitor, "result": json.loads(raw), "id": h.get("operation-id") or monitor["id"]}


def section_client(binary, work, args):
    stack = Stack(binary, work, token=TOKEN)
    try:
        client = LongRunningClient(stack.api, token=TOKEN)
        snap = client.run("/v1/snapshots", {"tags": ["client-test"], "note": "by the standard-library client"})
        if snap["monitor"]["status"] != "Succeeded":
            raise Failure(f"snapshot: {snap['monitor']}")
        snapshot = snap["result"]["snapshot"]
        say(f"   snapshot {snapshot['id']}: {snapshot['models']} models, {snapshot['words']} words")
        status, _, raw = http("GET", snap["monitor"]["resourceLocation"], token=TOKEN)
        if status != 200 or json.loads(raw)["tags"] != ["client-test"]:
            raise Failure(f"the snapshot's resourceLocation answered {status}: {raw[:200]!r}")

        restore = client.run("/v1/restores", {"snapshot": "client-test", "target": "standby"}, operation_id="client-restore-1")
        if restore["monitor"]["status"] != "Succeeded":
            raise Failure(f"restore: {restore['monitor']}")
        report = restore["result"]
        mapped = {m["source_id"]: m.get("target_id") for m in report["models"]}
        _, _, raw = http("GET", stack.standby.url + "/v1/customizations")
        live = json.loads(raw)["customizations"]
        if len(live) != snapshot["models"] or sorted(mapped.values()) != sorted(m["customization_id"] for m in live):
            raise Failure(f"the standby has {len(live)} models; the report maps {mapped}")
        summary = report["verification"]["differences"]["summary"]
        if not summary or any(v != 0 for v in summary.values() if isinstance(v, int)):
            raise Failure(f"the restore's verification found differences: {summary}")
        say(f"   restore: {len(mapped)} models onto the standby, old -> new ids in the report")
        # The same Operation-Id and body: the same operation, not a second restore.
        status, h, raw = http("POST", stack.api + "/v1/restores", {"snapshot": "client-test", "target": "standby"},
                              {"Operation-Id": "client-restore-1"}, TOKEN)
        if status != 200 or json.loads(raw)["id"] != "client-restore-1":
            raise Failure(f"a repeated Operation-Id answered {status}")
        _, _, raw = http("GET", stack.standby.url + "/v1/customizations")
        if len(json.loads(raw)["customizations"]) != snapshot["models"]:
            raise Failure("a repeated Operation-Id restored again")
    finally:
        stack.stop()


# --- the walkthrough of docs/server.md, as written ------------------------------------------------------------------

def walkthrough_steps(markdown):
    """The walkthrough's code blocks, in order: ("setup", line) for the lines of a block without prompts, and
    ("command", line, expected lines) for each `$ ` line of a console block with the lines shown under it."""
    section = markdown.split("## Walkthrough with curl", 1)[1].split("\n## ", 1)[0]
    steps = []
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", section, re.S):
        lines = block.rstrip("\n").split("\n")
        if not any(line.startswith("$ ") for line in lines):
            steps += [("setup", line) for line in lines if line.strip()]
            continue
        for line in lines:
            if line.startswith("$ "):
                steps.append(("command", line[2:], []))
            elif steps and steps[-1][0] == "command":
                steps[-1][2].append(line)
    return steps


def shown_fields(expected):
    """What a shown answer promises: the HTTP status, the headers shown with a value, and each JSON field shown
    with a whole value (`"key":"value"`, `"key":3`; values with `...` are elisions)."""
    status, headers, fields = None, {}, []
    for line in expected:
        m = re.match(r"HTTP/1\.1 (\d{3})", line)
        if m:
            status = m.group(1)
        elif re.match(r"^[A-Za-z-]+: ", line):
            name, value = line.split(": ", 1)
            headers[name.lower()] = value
        elif line.startswith("{"):
            for key, value in re.findall(r'"([A-Za-z_]+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false)', line):
                if "..." not in value:
                    fields.append((key, value))
    return status, headers, fields


def section_walkthrough(binary, work, args):
    doc = open(os.path.join(ROOT, "docs", "server.md"), encoding="utf-8").read()
    steps = walkthrough_steps(doc)
    if not any(s[0] == "command" for s in steps):
        raise Failure("docs/server.md has no walkthrough commands")
    ports = {"9443": str(free_port()), "9444": str(free_port()), "8080": str(free_port())}

    def moved(text):
        for old, new in ports.items():
            text = re.sub(rf"(127\.0\.0\.1:|--port ){old}\b", rf"\g<1>{new}", text)
        return text.replace("/tmp/archive.sqlite", os.path.join(work, "archive.sqlite"))

    script = ["set -u -a", "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT",
              f"export PATH={shlex_quote(os.path.dirname(binary))}:$PATH",
              f"export IBM_CREDENTIALS_FILE={shlex_quote(os.path.join(work, 'no-credentials-file'))}",
              "unset TTS_ARCHIVE_TOKEN"]
    commands = []
    for step in steps:
        if step[0] == "setup":
            line = re.sub(r"\s+#.*$", "", moved(step[1]))
            if line.endswith("&"):
                line = line[:-1].rstrip() + f" >>{shlex_quote(os.path.join(work, 'background.log'))} 2>&1 &"
            elif line.startswith("until "):
                line = f"timeout 60 bash -c {shlex_quote(line)} >/dev/null || exit 9"
            script.append(line)
        else:
            n = len(commands)
            commands.append(step)
            out = os.path.join(work, f"out.{n}")
            script.append(f"{{ timeout 120 bash -c {shlex_quote(moved(step[1]))}; }} >{shlex_quote(out)} 2>&1; "
                          f"echo $? >{shlex_quote(out)}.rc")
    path = os.path.join(work, "walkthrough.sh")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    env = dict(os.environ)
    run = subprocess.run(["bash", path], env=env, cwd=work, timeout=600, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if run.returncode not in (0,):
        raise Failure(f"the walkthrough's set-up failed (exit {run.returncode}): {run.stdout.decode()[-500:]}")
    problems = []
    for n, (_, command, expected) in enumerate(commands):
        out_path = os.path.join(work, f"out.{n}")
        actual = open(out_path, encoding="utf-8", errors="replace").read() if os.path.exists(out_path) else ""
        rc = open(out_path + ".rc").read().strip() if os.path.exists(out_path + ".rc") else "not run"
        if rc != "0":
            problems.append(f"`{command}` exited {rc}: {actual[-300:]}")
            continue
        status, headers, fields = shown_fields([moved(line) for line in expected])
        got_headers = {}
        for line in actual.replace("\r", "").split("\n"):
            if re.match(r"^[A-Za-z-]+: ", line):
                name, value = line.split(": ", 1)
                got_headers.setdefault(name.lower(), value)
        if status and not re.match(rf"HTTP/1\.1 {status}\b", actual):
            problems.append(f"`{command}`: shown HTTP {status}, got: {actual[:80]!r}")
        for name, value in headers.items():
            if got_headers.get(name) != value:
                problems.append(f"`{command}`: shown {name}: {value}, got {got_headers.get(name)!r}")
        for key, value in fields:
            if not re.search(rf'"{re.escape(key)}":{re.escape(value)}(?=[,}}\]])', actual):
                problems.append(f"`{command}`: shown \"{key}\":{value}, not in {actual[:400]!r}")
    say(f"   {len(commands)} commands of docs/server.md run; {len(problems)} differ from what the page shows")
    if problems:
        raise Failure("; ".join(problems))


def shlex_quote(text):
    import shlex
    return shlex.quote(text)


SECTIONS = {"schemathesis": section_schemathesis, "client": section_client, "walkthrough": section_walkthrough}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "tts-archive"))
    parser.add_argument("--only", default="", help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("API_TEST_MAX_EXAMPLES", "25")))
    parser.add_argument("--max-time", type=int, default=int(os.environ.get("API_TEST_MAX_TIME", "150")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("API_TEST_SEED", "18")))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, reports)")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]} (sections: {', '.join(SECTIONS)})")
    failed = []
    for name in chosen:
        work = tempfile.mkdtemp(prefix=f"api-test-{name}-")
        say(f"== api-test: {name}")
        started = time.monotonic()
        try:
            SECTIONS[name](binary, work, args)
            say(f"   ok ({time.monotonic() - started:.0f} s)")
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        except (Failure, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
            failed.append(name)
            say(f"   FAILED: {e}  (logs in {work})")
    passed = len(chosen) - len(failed)
    say(f"api-test: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
