"""Section 3: one session relaying many deltas at full speed, next to plain readers of the same stream."""

import os
import signal
import subprocess
import time

import direct
from common import (
    IDLE_PATTERN,
    check_event_chain,
    create_sessions,
    decode_frames,
    session_events,
    start_mock,
    turn_summary,
)
from hostclient import HostClient, process_cpu_seconds, process_status


def throughput_script(deltas):
    text = " ".join(str(index) for index in range(deltas))
    return text, {"model": "mock-model", "afterLast": "repeat", "replies": [{"text": text, "delayMs": 0}]}


def measure_plain_readers(arguments, mock, text, deltas):
    runs = []
    for _ in range(arguments.repeat):
        mock_cpu_before = process_cpu_seconds(mock.pid)
        result = direct.read_one_stream(mock.port)
        mock_cpu = process_cpu_seconds(mock.pid) - mock_cpu_before
        received = result["deltas"]
        runs.append(
            {
                "reader": "Python socket reader",
                "deltasPerSecond": round(len(received) / result["seconds"]),
                "readerCpuMsPer1000": round(result["readerCpuSeconds"] / len(received) * 1e6, 2),
                "mockCpuMsPer1000": round(mock_cpu / len(received) * 1e6, 2),
                "exact": "".join(received) == text and len(received) == deltas,
            }
        )
    for _ in range(arguments.repeat):
        mock_cpu_before = process_cpu_seconds(mock.pid)
        result = direct.curl_one_stream(mock.port)
        mock_cpu = process_cpu_seconds(mock.pid) - mock_cpu_before
        runs.append(
            {
                "reader": "curl --no-buffer",
                "deltasPerSecond": round(deltas / result["seconds"]),
                "readerCpuMsPer1000": round(result["curlCpuSeconds"] / deltas * 1e6, 2),
                "mockCpuMsPer1000": round(mock_cpu / deltas * 1e6, 2),
                "exact": None,
            }
        )
    return runs


def start_perf(pid, output_path, work):
    """Start `perf record` on one process; return the perf child (stop it with stop_perf)."""
    argv = ["perf", "record", "--quiet", "-F", "1999", "--call-graph", "dwarf,16384", "-o", output_path,
            "-p", str(pid)]
    log = open(os.path.join(work, "perf.log"), "ab")
    process = subprocess.Popen(argv, stdout=log, stderr=log)
    log.close()
    time.sleep(0.5)
    return process


def stop_perf(process):
    """Stop perf by its pid with SIGINT, which makes it write its data file, and wait for it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def run_host_turn(binary, mock, text, deltas, work, label, perf_output=None):
    """Relay one streamed turn of `deltas` deltas through a new host; return its figures and checks.

    With `perf_output`, the host runs under `perf record` during the turn, which slows it: use such a run
    for the profile only, not for the figures.
    """
    host = HostClient(binary, os.path.join(work, f"home-{label}"), os.path.join(work, f"host-{label}.log"))
    try:
        (session_id,) = create_sessions(host, 1, mock.port)
        mark = len(host.buffer)
        perf = start_perf(host.pid, perf_output, work) if perf_output else None
        host_cpu_before = process_cpu_seconds(host.pid)
        mock_cpu_before = process_cpu_seconds(mock.pid)
        client_cpu_before = time.process_time()
        sent_ns = time.monotonic_ns()
        host.write(host.make_request("session.send", {"sessionId": session_id, "prompt": "Go"}))
        found = host.wait_for_pattern(IDLE_PATTERN, 1, timeout=300, start_offset=mark)
        idle_ns = time.monotonic_ns()
        host_cpu = process_cpu_seconds(host.pid) - host_cpu_before
        mock_cpu = process_cpu_seconds(mock.pid) - mock_cpu_before
        client_cpu = time.process_time() - client_cpu_before
        status = process_status(host.pid)
        if perf:
            stop_perf(perf)
        messages = decode_frames(host)
    finally:
        exit_status = host.close()
    events = session_events(messages).get(session_id, [])
    delta_times = [arrival for arrival, event in events if event["type"] == "assistant.message_delta"]
    envelopes = [event for _, event in events]
    received, finals, errors = turn_summary(envelopes)
    chain = check_event_chain(envelopes)
    stream_seconds = (delta_times[-1] - delta_times[0]) / 1e9 if len(delta_times) > 1 else None
    return {
        "build": label,
        "idleSeen": found == 1,
        "deltasReceived": len(received),
        "exact": "".join(received) == text and len(received) == deltas,
        "finalMessageExact": finals == [text],
        "errors": errors,
        **chain,
        "deltasPerSecondSendToIdle": round(len(received) / ((idle_ns - sent_ns) / 1e9)),
        "deltasPerSecondFirstToLast": round((len(received) - 1) / stream_seconds) if stream_seconds else None,
        "hostCpuMsPer1000": round(host_cpu / max(1, len(received)) * 1e6, 2),
        "mockCpuMsPer1000": round(mock_cpu / max(1, len(received)) * 1e6, 2),
        "clientCpuMsPer1000": round(client_cpu / max(1, len(received)) * 1e6, 2),
        "hostVmHWMKiB": status["VmHWM"],
        "hostThreads": status["Threads"],
        "hostExitStatus": exit_status,
    }


def measure_throughput(arguments, work):
    deltas = arguments.throughput_deltas
    text, script = throughput_script(deltas)
    mock = start_mock(arguments.release, script, work)
    try:
        plain = measure_plain_readers(arguments, mock, text, deltas)
        hosts = []
        for _ in range(arguments.repeat):
            for label, binary in (("static-stdlib", arguments.static), ("release", arguments.release)):
                hosts.append(run_host_turn(binary, mock, text, deltas, work, label))
        profile = None
        if arguments.perf:
            perf_data = os.path.join(arguments.out, "throughput.perf.data")
            profile = run_host_turn(arguments.static, mock, text, deltas, work, "profiled", perf_output=perf_data)
    finally:
        mock.stop()
    return {"profiledRun": profile,"deltas": deltas, "averageDeltaBytes": round(len(text) / deltas, 2), "plain": plain, "host": hosts}
