"""Helpers shared by the benchmark sections: statistics, machine load, child servers and event checks."""

import json
import os
import re
import signal
import statistics
import subprocess
import time

from hostclient import frame, system_busy_fraction

IDLE_PATTERN = b'"type":"session.idle"'
CONNECT_FRAME = frame({"jsonrpc": "2.0", "id": 1, "method": "connect", "params": {}})


def percentile(values, fraction):
    """Return the nearest-rank percentile of `values` (fraction 0.5 is the median)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, int(round(fraction * len(ordered) + 0.5 - 1e-9)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values):
    return statistics.median(values) if values else None


def load_snapshot():
    with open("/proc/loadavg") as loadavg:
        one, five, fifteen = loadavg.read().split()[:3]
    return {"loadavg": [float(one), float(five), float(fifteen)], "busyFraction": round(system_busy_fraction(1.0), 3)}


def wait_for_quiet_machine(limit_seconds, threshold=0.25):
    """Wait up to `limit_seconds` for a second in which the machine is less than `threshold` busy.

    Returns the last load snapshot, so each section records the load it started under.
    """
    deadline = time.monotonic() + limit_seconds
    snapshot = load_snapshot()
    while snapshot["busyFraction"] >= threshold and time.monotonic() < deadline:
        time.sleep(4)
        snapshot = load_snapshot()
    return snapshot


class SystemCpu:
    """Busy CPU-seconds of the whole machine between start() and stop(), from /proc/stat."""

    @staticmethod
    def busy_seconds():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")

    def start(self):
        self.started_busy = self.busy_seconds()
        self.started = time.monotonic()

    def stop(self):
        wall = time.monotonic() - self.started
        busy = self.busy_seconds() - self.started_busy
        return {"wallSeconds": round(wall, 3), "busyCpuSeconds": round(busy, 2), "busyCores": round(busy / wall, 2)}


def stop_process(process, timeout=10.0):
    """Send SIGTERM to this one child by pid, then SIGKILL if it has not exited within `timeout`."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


class ListeningChild:
    """A child server that prints "listening on port N" on stdout once it accepts connections."""

    def __init__(self, argv, log_path):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"listening on port (\d+)", line)
        if not match:
            stop_process(self.process)
            raise RuntimeError(f"{argv[0]} did not start: {line!r}; see {log_path}")
        self.port = int(match.group(1))
        self.pid = self.process.pid

    def stop(self):
        stop_process(self.process)
        remaining = self.process.stdout.read()
        self.process.stdout.close()
        self.log.close()
        return remaining


def start_mock(binary, script, work):
    path = os.path.join(work, "mock-script.json")
    with open(path, "w") as file:
        json.dump(script, file)
    argv = [binary, "mock-provider", "--script", path, "--port", "0", "--log-level", "error"]
    return ListeningChild(argv, os.path.join(work, "mock-provider.log"))


def provider_for(port):
    return {"type": "openai", "baseUrl": f"http://127.0.0.1:{port}/v1", "apiKey": "sk-bench"}


def create_sessions(host, count, port):
    """Connect, create `count` streaming sessions whose provider is the server at `port`, and return their ids.

    The frames emitted so far are split and dropped, so the caller's timed part starts after them.
    """
    host.request("connect", {})
    session_ids = []
    for _ in range(count):
        created = host.request(
            "session.create", {"model": "bench-model", "streaming": True, "provider": provider_for(port)}
        )
        session_ids.append(created["sessionId"])
    list(host.next_frames())
    return session_ids


def send_prompts(host, session_ids):
    """Send one prompt to every session, pipelined on a writer thread while the caller reads."""
    host.write_in_background(
        [host.make_request("session.send", {"sessionId": session_id, "prompt": "Go"}) for session_id in session_ids]
    )


def decode_frames(host):
    """Return [(arrival_ns, message)] for every frame not yet decoded."""
    return [(arrival, json.loads(body)) for arrival, body in host.next_frames()]


def session_events(messages):
    """Group session.event envelopes by session id: {id: [(arrival_ns, event)]}, in arrival order."""
    grouped = {}
    for arrival, message in messages:
        if message.get("method") == "session.event":
            params = message["params"]
            grouped.setdefault(params["sessionId"], []).append((arrival, params["event"]))
    return grouped


def check_event_chain(events):
    """Count duplicated events, breaks of the parentId chain (lost or reordered events) and a missing idle.

    `events` are one session's envelopes after a mark, so the first one's parent is not checked.
    """
    seen = set()
    duplicates = 0
    chain_breaks = 0
    previous = None
    for event in events:
        if event["id"] in seen:
            duplicates += 1
        seen.add(event["id"])
        if previous is not None and event.get("parentId") != previous["id"]:
            chain_breaks += 1
        previous = event
    ends_with_idle = bool(events) and events[-1]["type"] == "session.idle"
    return {"duplicates": duplicates, "chainBreaks": chain_breaks, "endsWithIdle": ends_with_idle}


def turn_summary(events):
    """Return the deltas, the final message text and the error events of one turn's envelopes."""
    deltas = [event["data"]["deltaContent"] for event in events if event["type"] == "assistant.message_delta"]
    messages = [event["data"]["content"] for event in events if event["type"] == "assistant.message"]
    errors = [event["data"] for event in events if event["type"] == "session.error"]
    return deltas, messages, errors
