#!/usr/bin/env python3
"""Runs 10,000 turns through one byok-host against the mock provider and checks that memory stays flat.

Sessions are created, used for a fixed number of turns and deleted, several at a time, so the host's
steady state does not grow with the history of one conversation. The host's resident memory (VmRSS) is
sampled after each batch; the run fails when it grows by more than the allowed margin between the end
of the warm-up and the end of the run, or when any turn does not end with session.idle.

Usage: soak.py [--binary PATH] [--turns N] [--parallel N] [--turns-per-session N] [--max-growth-mb MB]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def frame(message):
    body = json.dumps(message, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Host:
    """A byok-host child over pipes that collects responses and counts each session's idle events."""

    def __init__(self, binary, home):
        self.process = subprocess.Popen(
            [binary, "--stdio", "--home", home],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.lock = threading.Condition()
        self.responses = {}
        self.idle_counts = {}
        self.errors = []
        self.next_id = 1
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        stream = self.process.stdout
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stream.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b":")[1].split(b"\r")[0])
            message = json.loads(stream.read(length))
            with self.lock:
                if "id" in message and "method" not in message:
                    self.responses[message["id"]] = message
                elif message.get("method") == "session.event":
                    session = message["params"]["sessionId"]
                    event = message["params"]["event"]
                    if event["type"] == "session.idle":
                        self.idle_counts[session] = self.idle_counts.get(session, 0) + 1
                    elif event["type"] == "session.error":
                        self.errors.append(event["data"].get("message"))
                self.lock.notify_all()

    def send(self, method, params):
        with self.lock:
            request_id = self.next_id
            self.next_id += 1
        self.process.stdin.write(frame({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        self.process.stdin.flush()
        return request_id

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
                self.lock.wait(remaining)

    def call(self, method, params, timeout=30):
        request_id = self.send(method, params)
        self.wait(lambda: request_id in self.responses, timeout, f"the reply to {method}")
        response = self.responses.pop(request_id)
        if "error" in response:
            raise RuntimeError(f"{method} failed: {response['error']}")
        return response["result"]

    def resident_megabytes(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0


def start_mock(binary, folder):
    script = os.path.join(folder, "script.json")
    with open(script, "w") as file:
        json.dump({"model": "mock-model", "afterLast": "repeat", "replies": [{"text": "Soak reply, short and steady."}]}, file)
    mock = subprocess.Popen(
        [binary, "mock-provider", "--script", script, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    line = mock.stdout.readline().decode()
    if "listening on port" not in line:
        mock.kill()
        raise RuntimeError(f"the mock provider did not start: {line!r}")
    return mock, int(line.split()[-1])


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("BYOK_HOST_BINARY", os.path.join(repo, ".build/debug/byok-host")))
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--turns-per-session", type=int, default=10)
    parser.add_argument("--max-growth-mb", type=float, default=16.0)
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="byok-soak-")
    mock, port = start_mock(arguments.binary, folder)
    host = Host(arguments.binary, os.path.join(folder, "home"))
    provider = {"type": "openai", "baseUrl": f"http://127.0.0.1:{port}/v1"}
    samples = []
    started = time.monotonic()
    try:
        host.call("connect", {})
        turns_done = 0
        batch = 0
        while turns_done < arguments.turns:
            sessions = [f"soak-{batch}-{index}" for index in range(arguments.parallel)]
            for session in sessions:
                host.call("session.create", {"sessionId": session, "model": "mock-model", "provider": provider, "streaming": True})
            for turn in range(arguments.turns_per_session):
                for session in sessions:
                    host.send("session.send", {"sessionId": session, "prompt": f"Turn {turn}"})
                target = turn + 1
                host.wait(
                    lambda: all(host.idle_counts.get(session, 0) >= target for session in sessions),
                    60,
                    f"session.idle of turn {target} in batch {batch}",
                )
            for session in sessions:
                host.call("session.delete", {"sessionId": session})
                host.idle_counts.pop(session, None)
            with host.lock:
                host.responses.clear()
            turns_done += arguments.parallel * arguments.turns_per_session
            batch += 1
            samples.append((turns_done, host.resident_megabytes()))
        if host.errors:
            raise RuntimeError(f"{len(host.errors)} turns ended with session.error, first: {host.errors[0]}")
    finally:
        host.process.stdin.close()
        try:
            host.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            host.process.kill()
        mock.send_signal(signal.SIGTERM)
        try:
            mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.kill()
        shutil.rmtree(folder, ignore_errors=True)

    elapsed = time.monotonic() - started
    warm_up = samples[len(samples) // 5]
    peak_after_warm_up = max(megabytes for _, megabytes in samples[len(samples) // 5:])
    growth = peak_after_warm_up - warm_up[1]
    print(f"soak: {samples[-1][0]} turns in {elapsed:.1f} s ({samples[-1][0] / elapsed:.0f} turns/s)")
    print(f"soak: RSS {samples[0][1]:.1f} MB after the first batch, {warm_up[1]:.1f} MB after warm-up "
          f"({warm_up[0]} turns), peak {peak_after_warm_up:.1f} MB after it, {samples[-1][1]:.1f} MB at the end")
    if growth > arguments.max_growth_mb:
        print(f"soak: FAIL memory grew by {growth:.1f} MB after warm-up (limit {arguments.max_growth_mb} MB)")
        print("0 passed, 1 failed")
        return 1
    print(f"soak: PASS memory grew by {growth:.1f} MB after warm-up (limit {arguments.max_growth_mb} MB)")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
