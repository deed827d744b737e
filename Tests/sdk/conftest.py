"""Fixtures for the Python SDK tests: the built byok-host binary, a scripted mock provider, a state dir.

Nothing here builds: `Tests/run` runs `swift build` first and passes the binary in `BYOK_HOST_BINARY`.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / ".build" / "debug" / "byok-host"

# Bounds on the mock provider process, in seconds.
PORT_LINE_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


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

    def recorded_requests(self) -> list[dict[str, Any]]:
        """Return the HTTP requests the mock received, from its record file, in arrival order."""
        if not self.record_path.exists():
            return []
        lines = self.record_path.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [entry for entry in entries if "method" in entry]


@pytest.fixture(scope="session")
def byok_host_binary() -> Path:
    """Return the byok-host executable from `BYOK_HOST_BINARY`, or the default debug build path."""
    configured = os.environ.get("BYOK_HOST_BINARY")
    path = Path(configured) if configured else DEFAULT_BINARY
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"byok-host binary not found or not executable at {path}; "
            "run 'swift build' first or set BYOK_HOST_BINARY to the binary's path",
            pytrace=False,
        )
    return path.resolve()


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh state dir for this test, exported as `COPILOT_HOME` for the runtime it starts.

    `BYOK_HOST_HOME` is removed because the host prefers it over `COPILOT_HOME`.
    """
    path = tmp_path / "state"
    path.mkdir()
    monkeypatch.delenv("BYOK_HOST_HOME", raising=False)
    monkeypatch.setenv("COPILOT_HOME", str(path))
    return path


@pytest.fixture
def start_mock_provider(
    byok_host_binary: Path, tmp_path: Path
) -> Iterator[Callable[[dict[str, Any]], MockProvider]]:
    """Return a function that starts a mock provider serving a script, and stop every one at teardown."""
    started: list[MockProvider] = []

    def start(script: dict[str, Any]) -> MockProvider:
        folder = tmp_path / f"mock-provider-{len(started) + 1}"
        folder.mkdir()
        script_path = folder / "script.json"
        script_path.write_text(json.dumps(script), encoding="utf-8")
        record_path = folder / "requests.jsonl"
        stderr_path = folder / "stderr.log"

        with stderr_path.open("wb") as stderr_file:
            process = subprocess.Popen(
                [
                    str(byok_host_binary),
                    "mock-provider",
                    "--script",
                    str(script_path),
                    "--port",
                    "0",
                    "--record",
                    str(record_path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
            )
        provider = MockProvider(process, port=0, record_path=record_path, stderr_path=stderr_path)
        started.append(provider)
        provider.port = read_port_line(provider)
        return provider

    yield start

    for provider in started:
        stop_process(provider.process)


def read_port_line(provider: MockProvider) -> int:
    """Read the mock provider's `listening on port N` line, failing the test after PORT_LINE_TIMEOUT."""
    process = provider.process
    assert process.stdout is not None
    deadline = time.monotonic() + PORT_LINE_TIMEOUT
    output = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(
                    f"mock provider (pid {process.pid}) printed no port line within {PORT_LINE_TIMEOUT} s; "
                    f"stdout so far: {output!r}; stderr: {read_text(provider.stderr_path)!r}",
                    pytrace=False,
                )
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                process.wait(timeout=STOP_TIMEOUT)
                pytest.fail(
                    f"mock provider exited with status {process.returncode} before printing its port; "
                    f"stderr: {read_text(provider.stderr_path)!r}",
                    pytrace=False,
                )
            output += chunk

    line = output.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    prefix = "listening on port "
    if not line.startswith(prefix) or not line[len(prefix) :].isdigit():
        pytest.fail(f"mock provider printed {line!r}, expected 'listening on port N'", pytrace=False)
    return int(line[len(prefix) :])


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
