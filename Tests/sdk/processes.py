"""The processes the SDK tests start themselves: scripted mock providers and external byok-hosts."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Bounds in seconds.
PORT_LINE_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

PORT_LINE = re.compile(r"listening on port (\d+)")


@dataclass
class MockProvider:
    """A running `byok-host mock-provider` process and where to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    record_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ending in `/v1`, that the chat endpoint `/chat/completions` is appended to."""
        return f"http://127.0.0.1:{self.port}/v1"

    def recorded_entries(self) -> list[dict[str, Any]]:
        if not self.record_path.exists():
            return []
        lines = self.record_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def recorded_requests(self) -> list[dict[str, Any]]:
        """Return the HTTP requests the mock received, from its record file, in arrival order."""
        return [entry for entry in self.recorded_entries() if "method" in entry]

    def chat_requests(self) -> list[dict[str, Any]]:
        """Return the recorded `POST …/chat/completions` requests."""
        return [entry for entry in self.recorded_requests() if entry["path"].endswith("/chat/completions")]

    def recorded_client_closes(self) -> list[dict[str, Any]]:
        """Return the `client_closed` entries: responses the client hung up on before they ended."""
        return [entry for entry in self.recorded_entries() if entry.get("event") == "client_closed"]


@dataclass
class ExternalHost:
    """A byok-host started by a test in TCP mode, which SDK clients attach to by URI."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    stderr_path: Path

    @property
    def uri(self) -> str:
        return f"127.0.0.1:{self.port}"


def launch_mock_provider(binary: Path, folder: Path, script: dict[str, Any]) -> MockProvider:
    """Start `byok-host mock-provider` on a free loopback port with `script`, recording into `folder`."""
    folder.mkdir(parents=True)
    script_path = folder / "script.json"
    script_path.write_text(json.dumps(script), encoding="utf-8")
    record_path = folder / "requests.jsonl"
    stderr_path = folder / "stderr.log"

    with stderr_path.open("wb") as stderr_file:
        process = subprocess.Popen(
            [str(binary), "mock-provider", "--script", str(script_path), "--port", "0", "--record", str(record_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
        )
    provider = MockProvider(process, port=0, record_path=record_path, stderr_path=stderr_path)
    try:
        provider.port = read_listening_port(process, stderr_path, "mock provider")
    except BaseException:
        stop_process(process)
        raise
    return provider


def read_listening_port(process: subprocess.Popen[bytes], stderr_path: Path, name: str) -> int:
    """Read the process's `listening on port N` line, failing the test after PORT_LINE_TIMEOUT."""
    assert process.stdout is not None
    deadline = time.monotonic() + PORT_LINE_TIMEOUT
    output = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(
                    f"{name} (pid {process.pid}) printed no port line within {PORT_LINE_TIMEOUT} s; "
                    f"stdout so far: {output!r}; stderr: {read_text(stderr_path)!r}",
                    pytrace=False,
                )
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                process.wait(timeout=STOP_TIMEOUT)
                pytest.fail(
                    f"{name} exited with status {process.returncode} before printing its port; "
                    f"stderr: {read_text(stderr_path)!r}",
                    pytrace=False,
                )
            output += chunk

    line = output.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    match = PORT_LINE.search(line)
    if match is None:
        pytest.fail(f"{name} printed {line!r}, expected a line with 'listening on port N'", pytrace=False)
    return int(match.group(1))


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Send SIGTERM to the process by pid, then SIGKILL if it is still running after STOP_TIMEOUT."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
    if process.stdout is not None:
        process.stdout.close()


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
