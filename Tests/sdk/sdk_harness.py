"""Shared helpers for the SDK tests: which SDK package runs, clients with a wire log, event waits.

Both packages under test import as `copilot`, so each venv contains one of them and `Tests/run` runs this
suite once per venv with `BYOK_SDK_PACKAGE` naming the package. `SdkVariant` records the behaviours in
which the two packages differ, so a test states the expectation for each package in one place.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from copilot import CopilotClient, PermissionHandler, RuntimeConnection
from copilot.session_events import SessionEvent, SessionEventType, session_event_from_dict

# Every secret a test hands to byok-host starts with this prefix, so one substring search finds a leak
# of any of them on disk or in a log.
CANARY_PREFIX = "sk-canary-byok-sdk-"
CANARY_API_KEY = CANARY_PREFIX + "api-key-5d1c7a"
MODEL = "mock-model"

# Bounds in seconds. The SDKs wait up to 10 s for `runtime.shutdown` and then up to 10 s (official) or
# 5 s (fork) for the process to exit, so STOP_TIMEOUT covers a slow but successful stop.
START_TIMEOUT = 20.0
TURN_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
TEST_TIMEOUT = 120.0


@dataclass(frozen=True)
class SdkVariant:
    """One SDK package under test, and the behaviours in which it differs from the other."""

    package: str
    version: str
    # The request `session.disconnect()` and `client.stop()` send for each live session.
    disconnect_method: str
    # Whether `send_and_wait` first calls `session.sendAndWait` (and falls back to `session.send`
    # after -32601) instead of calling `session.send` and waiting for `session.idle`.
    tries_send_and_wait_rpc: bool
    # Whether `send_and_wait` raises when the turn ends with `session.idle {aborted: true}`. The fork
    # returns the last assistant message instead.
    send_and_wait_raises_on_abort: bool

    @property
    def label(self) -> str:
        return f"{self.package}=={self.version}"


SDK_VARIANTS = {
    variant.package: variant
    for variant in (
        SdkVariant(
            package="github-copilot-sdk",
            version="1.0.27",
            disconnect_method="session.detach",
            tries_send_and_wait_rpc=True,
            send_and_wait_raises_on_abort=True,
        ),
        SdkVariant(
            package="copilot-sdk-supercharged",
            version="2.4.0",
            disconnect_method="session.destroy",
            tries_send_and_wait_rpc=False,
            send_and_wait_raises_on_abort=False,
        ),
    )
}


def installed_sdk_variant() -> SdkVariant:
    """Return the SDK package named by `BYOK_SDK_PACKAGE`, checked against what this venv has installed.

    Without `BYOK_SDK_PACKAGE`, the one supported package that is installed is used. Raises `RuntimeError`
    when the name is unknown, the package is missing or has another version, or both packages are
    installed (they would overwrite each other's `copilot` module).
    """
    installed = {}
    for package in SDK_VARIANTS:
        try:
            installed[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    if len(installed) > 1:
        raise RuntimeError(f"both SDK packages are installed in one venv: {installed}; use one venv per package")

    requested = os.environ.get("BYOK_SDK_PACKAGE")
    if requested is None:
        if not installed:
            raise RuntimeError(f"no SDK package is installed; install one of {sorted(SDK_VARIANTS)}")
        requested = next(iter(installed))
    variant = SDK_VARIANTS.get(requested)
    if variant is None:
        raise RuntimeError(f"BYOK_SDK_PACKAGE={requested!r} is not one of {sorted(SDK_VARIANTS)}")
    if installed.get(requested) != variant.version:
        raise RuntimeError(
            f"BYOK_SDK_PACKAGE={requested!r} needs {variant.label} in this venv, "
            f"but the venv has {installed or 'no SDK package'}"
        )
    return variant


T = TypeVar("T")


def run(coroutine: Awaitable[T], timeout: float = TEST_TIMEOUT) -> T:
    """Run `coroutine` on a new event loop and fail with `TimeoutError` after `timeout` seconds."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout=timeout))


# ---------------------------------------------------------------------------------------------------
# Wire log
# ---------------------------------------------------------------------------------------------------


@dataclass
class RequestRecord:
    """One request the SDK sent to byok-host, with its result or its JSON-RPC error."""

    method: str
    params: dict[str, Any]
    result: Any = None
    error: Exception | None = None


@dataclass
class WireLog:
    """The requests a client sent and the notifications it received, as JSON, in arrival order.

    The SDKs expose no hook for raw traffic, so `attach` wraps two members of the client's private
    `JsonRpcClient` (`request` and `notification_handler`, the same in both packages). Everything still
    goes through the SDK's own code: the wrappers only record.
    """

    requests: list[RequestRecord] = field(default_factory=list)
    notifications: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def attach(self, client: CopilotClient) -> None:
        rpc_client = getattr(client, "_client", None)
        if rpc_client is None or not hasattr(rpc_client, "notification_handler"):
            raise RuntimeError("the SDK client has no _client.notification_handler to record; has the SDK changed?")

        forward_notification = rpc_client.notification_handler
        send_request = rpc_client.request

        def record_notification(method: str, params: dict[str, Any]) -> None:
            self.notifications.append((method, params))
            if forward_notification is not None:
                forward_notification(method, params)

        async def record_request(method: str, params: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> Any:
            record = RequestRecord(method=method, params=dict(params or {}))
            self.requests.append(record)
            try:
                record.result = await send_request(method, params, *args, **kwargs)
            except Exception as error:
                record.error = error
                raise
            return record.result

        rpc_client.notification_handler = record_notification
        rpc_client.request = record_request

    def raw_events(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Return the event envelopes of the `session.event` notifications, of one session or of all."""
        return [
            params["event"]
            for method, params in self.notifications
            if method == "session.event" and (session_id is None or params.get("sessionId") == session_id)
        ]

    def lifecycle(self) -> list[dict[str, Any]]:
        return [params for method, params in self.notifications if method == "session.lifecycle"]

    def methods(self) -> list[str]:
        return [record.method for record in self.requests]

    def requests_of(self, method: str) -> list[RequestRecord]:
        return [record for record in self.requests if record.method == method]


# Wire logs of the clients opened during the current test, checked by the `events_parse_cleanly` fixture.
opened_wire_logs: list[WireLog] = []


def event_parse_problems(raw_events: list[dict[str, Any]]) -> list[str]:
    """Return one line per envelope that the SDK's own parser rejects or can only read as UNKNOWN."""
    problems = []
    for raw in raw_events:
        try:
            event = session_event_from_dict(raw)
        except Exception as error:  # The generated parsers raise AssertionError, ValueError, KeyError…
            problems.append(f"{raw.get('type')!r} fails to parse ({type(error).__name__}: {error}): {json.dumps(raw)}")
            continue
        if event.type == SessionEventType.UNKNOWN:
            problems.append(f"{raw.get('type')!r} parses as UNKNOWN: {json.dumps(raw)}")
    return problems


# ---------------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------------


@dataclass
class HostClient:
    """A started SDK client, its wire log and the runtime process the SDK spawned (None for a URI)."""

    client: CopilotClient
    wire: WireLog
    process: subprocess.Popen[bytes] | None
    stopped: bool = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def stop(self) -> float:
        """Call `client.stop()`, bounded by STOP_TIMEOUT, and return how many seconds it took."""
        started = time.monotonic()
        self.stopped = True
        await asyncio.wait_for(self.client.stop(), timeout=STOP_TIMEOUT)
        return time.monotonic() - started

    async def force_stop(self) -> None:
        self.stopped = True
        await asyncio.wait_for(self.client.force_stop(), timeout=STOP_TIMEOUT)


@asynccontextmanager
async def open_client(
    binary: Path,
    state_dir: Path,
    *,
    connection: RuntimeConnection | None = None,
    env: dict[str, str] | None = None,
    log_level: str = "info",
) -> AsyncIterator[HostClient]:
    """Start an SDK client on byok-host (over stdio unless `connection` is given) and stop it on exit.

    The client gets `base_directory=state_dir`, so the runtime it spawns stores sessions there. On a
    normal exit the client is stopped with `client.stop()`, whose errors fail the test; when the body
    raised, `force_stop()` kills the runtime instead so the original error is what the test reports.
    """
    client = CopilotClient(
        connection=connection or RuntimeConnection.for_stdio(path=str(binary)),
        base_directory=str(state_dir),
        working_directory=str(state_dir.parent),
        log_level=log_level,
        env=env,
    )
    handle = HostClient(client=client, wire=WireLog(), process=None)
    opened_wire_logs.append(handle.wire)
    try:
        await asyncio.wait_for(client.start(), timeout=START_TIMEOUT)
        # The spawned process is private in both packages; the tests read its pid and exit status.
        handle.process = getattr(client, "_cli_process", None)
        handle.wire.attach(client)
        yield handle
    except BaseException:
        if not handle.stopped:
            handle.stopped = True
            await asyncio.wait_for(client.force_stop(), timeout=STOP_TIMEOUT)
        raise
    if not handle.stopped:
        await handle.stop()


def provider_config(base_url: str, *, api_key: str | None = CANARY_API_KEY, **extra: Any) -> dict[str, Any]:
    """Return the SDK's `ProviderConfig` for an OpenAI-compatible provider at `base_url`."""
    config: dict[str, Any] = {"type": "openai", "base_url": base_url}
    if api_key is not None:
        config["api_key"] = api_key
    config.update(extra)
    return config


async def create_byok_session(client: CopilotClient, base_url: str, **options: Any) -> Any:
    """Create a session on the OpenAI-compatible provider at `base_url` with MODEL and approve-all.

    `options` are passed to `create_session` and replace these defaults.
    """
    arguments: dict[str, Any] = {
        "on_permission_request": PermissionHandler.approve_all,
        "model": MODEL,
        "provider": provider_config(base_url),
    }
    arguments.update(options)
    return await client.create_session(**arguments)


# ---------------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------------


class EventRecorder:
    """A `session.on` handler that keeps every event and lets a test wait for one of a given type."""

    def __init__(self) -> None:
        self.events: list[SessionEvent] = []
        self._arrived = asyncio.Event()

    def __call__(self, event: SessionEvent) -> None:
        self.events.append(event)
        self._arrived.set()

    def types(self) -> list[str]:
        return [event.type.value for event in self.events]

    def of_type(self, type_value: str) -> list[SessionEvent]:
        return [event for event in self.events if event.type.value == type_value]

    async def wait_for(
        self,
        type_value: str,
        *,
        count: int = 1,
        timeout: float = TURN_TIMEOUT,
        where: Callable[[SessionEvent], bool] | None = None,
    ) -> SessionEvent:
        """Wait until `count` events of `type_value` (and matching `where`) have arrived; return the last.

        Raises AssertionError, listing the event types seen, when `timeout` seconds pass first.
        """

        def matches() -> list[SessionEvent]:
            return [event for event in self.of_type(type_value) if where is None or where(event)]

        async def until_arrived() -> SessionEvent:
            while len(matches()) < count:
                self._arrived.clear()
                await self._arrived.wait()
            return matches()[count - 1]

        try:
            return await asyncio.wait_for(until_arrived(), timeout=timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {count} x {type_value} within {timeout} s; events so far: {self.types()}"
            ) from None


async def start_streamed_turn(
    client: CopilotClient, base_url: str, prompt: str, **options: Any
) -> tuple[Any, EventRecorder]:
    """Create a streaming BYOK session, send `prompt` and wait for its first delta; return the session
    and the recorder of its events. Used to act (abort, stop) while a turn is running.
    """
    session = await create_byok_session(client, base_url, streaming=True, **options)
    recorder = EventRecorder()
    session.on(recorder)
    await session.send(prompt)
    await recorder.wait_for("assistant.message_delta")
    return session, recorder


def runtime_pids(binary: Path, state_dir: Path) -> list[int]:
    """Return the pids of running byok-host runtimes (stdio or TCP) that serve `state_dir`.

    A process belongs to the test when it executes `binary` with `COPILOT_HOME=<state_dir>` in its
    environment, so a runtime that detached from the SDK is found too. The mock provider runs the same
    binary with the `mock-provider` subcommand and is not counted. Zombies are skipped because they no
    longer run.
    """
    home_entry = b"COPILOT_HOME=" + os.fsencode(state_dir)
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # The process exited between listing and reading, or is not ours to read.
        # The state is the first field after the parenthesised command name.
        state = stat.rsplit(")", 1)[1].split()[0]
        if state == "Z" or home_entry not in environment:
            continue
        if arguments[0] == os.fsencode(binary) and b"mock-provider" not in arguments:
            pids.append(int(entry.name))
    return pids


def process_running(pid: int) -> bool:
    """Return whether `pid` names a process that has not exited (a zombie counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def files_containing(root: Path, needle: str) -> list[Path]:
    """Return every file under `root` whose bytes contain `needle`."""
    encoded = needle.encode("utf-8")
    return [path for path in root.rglob("*") if path.is_file() and encoded in path.read_bytes()]


def json_text(value: object) -> str:
    """Return `value` as JSON text, for substring checks on request bodies."""
    return json.dumps(value, ensure_ascii=False)
