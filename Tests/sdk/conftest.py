"""Fixtures for the Python SDK tests: the built byok-host binary, the SDK package under test, scripted
mock providers, an external byok-host on TCP, a state dir, and checks that run after every test.

Nothing here builds: `Tests/run` runs `swift build` first and passes the binary in `BYOK_HOST_BINARY`.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import sdk_harness
from processes import ExternalHost, MockProvider, launch_mock_provider, read_listening_port, stop_process
from sdk_harness import CANARY_PREFIX, SdkVariant, event_parse_problems, files_containing, runtime_pids

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / ".build" / "debug" / "byok-host"


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


@pytest.fixture(scope="session")
def sdk() -> SdkVariant:
    """Return the SDK package under test, named by `BYOK_SDK_PACKAGE` and checked against the venv."""
    try:
        return sdk_harness.installed_sdk_variant()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


def pytest_report_header(config: pytest.Config) -> str:
    try:
        return f"SDK under test: {sdk_harness.installed_sdk_variant().label}"
    except RuntimeError as error:
        return f"SDK under test: invalid set-up: {error}"


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh state dir for this test, exported as `COPILOT_HOME` for the runtime it starts.

    `BYOK_HOST_HOME` is removed because the host prefers it over `COPILOT_HOME`, and so are the default
    provider variables, so that only the tests that set them get a default provider.
    """
    path = tmp_path / "state"
    path.mkdir()
    for name in ("BYOK_HOST_HOME", "BYOK_HOST_PROVIDER_BASE_URL", "BYOK_HOST_PROVIDER_API_KEY", "COPILOT_CONNECTION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COPILOT_HOME", str(path))
    return path


@pytest.fixture
def start_mock_provider(
    byok_host_binary: Path, tmp_path: Path
) -> Iterator[Callable[[dict[str, Any]], MockProvider]]:
    """Return a function that starts a mock provider serving a script, and stop every one at teardown."""
    started: list[MockProvider] = []

    def start(script: dict[str, Any]) -> MockProvider:
        provider = launch_mock_provider(byok_host_binary, tmp_path / f"mock-provider-{len(started) + 1}", script)
        started.append(provider)
        return provider

    yield start

    for provider in started:
        stop_process(provider.process)


@pytest.fixture
def start_external_host(
    byok_host_binary: Path, state_dir: Path, tmp_path: Path
) -> Iterator[Callable[[str], ExternalHost]]:
    """Return a function that starts byok-host on TCP with a connection token, and stop each at teardown.

    The host is started as a user would run a shared runtime: `--port 0`, stdin at /dev/null, the
    token in `--connection-token`, and `COPILOT_HOME` set to the test's state dir.
    """
    started: list[ExternalHost] = []

    def start(token: str) -> ExternalHost:
        stderr_path = tmp_path / f"external-host-{len(started) + 1}.log"
        with stderr_path.open("wb") as stderr_file:
            process = subprocess.Popen(
                [str(byok_host_binary), "--port", "0", "--connection-token", token, "--log-level", "info"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                env={**os.environ, "COPILOT_HOME": str(state_dir)},
            )
        host = ExternalHost(process, port=0, token=token, stderr_path=stderr_path)
        started.append(host)
        host.port = read_listening_port(process, stderr_path, "byok-host")
        return host

    yield start

    for host in started:
        stop_process(host.process)


@pytest.fixture(autouse=True)
def no_runtime_left_behind(byok_host_binary: Path, state_dir: Path) -> Iterator[None]:
    """Fail a test that leaves a byok-host runtime of its state dir running, even when the test failed."""
    yield
    assert runtime_pids(byok_host_binary, state_dir) == []


@pytest.fixture(autouse=True)
def no_canary_leaked(state_dir: Path, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test after which a canary secret is in a file of the state dir or in the runtime's stderr.

    The SDKs log each line the runtime writes to stderr as a WARNING `[CLI] <line>` on the `copilot`
    loggers, which `caplog` captures.
    """
    caplog.set_level(logging.WARNING, logger="copilot")
    yield
    assert files_containing(state_dir, CANARY_PREFIX) == []
    leaked = [record.getMessage() for record in caplog.records if CANARY_PREFIX in record.getMessage()]
    assert leaked == []


@pytest.fixture(autouse=True)
def events_parse_cleanly() -> Iterator[None]:
    """Fail a test in which byok-host sent an event that the SDK's parser rejects or reads as UNKNOWN.

    The SDKs drop such an event silently (the parse error only reaches asyncio's log), so this check
    reads every raw `session.event` that the clients of the test received.
    """
    sdk_harness.opened_wire_logs.clear()
    yield
    problems = [problem for log in sdk_harness.opened_wire_logs for problem in event_parse_problems(log.raw_events())]
    sdk_harness.opened_wire_logs.clear()
    assert problems == []
