"""Section 4: write-to-receive latency per delta at a realistic rate, through the host and direct."""

import bisect
import json
import os
import re
import sys
import time

import direct
from common import (
    IDLE_PATTERN,
    ListeningChild,
    SystemCpu,
    check_event_chain,
    decode_frames,
    create_sessions,
    percentile,
    send_prompts,
    session_events,
)
from hostclient import HostClient, process_cpu_seconds, process_status

BENCH_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def delta_latencies_from_host(messages, session_ids, deltas_per_stream):
    """Return (latencies in ms, per-session problems) from host frames carrying "<ns>:<index> " deltas."""
    grouped = session_events(messages)
    latencies = []
    problems = {"missing": 0, "outOfOrder": 0, "duplicates": 0, "chainBreaks": 0, "noIdle": 0}
    for session_id in session_ids:
        events = grouped.get(session_id, [])
        chain = check_event_chain([event for _, event in events])
        problems["duplicates"] += chain["duplicates"]
        problems["chainBreaks"] += chain["chainBreaks"]
        problems["noIdle"] += 0 if chain["endsWithIdle"] else 1
        indexes = []
        for arrival, event in events:
            if event["type"] != "assistant.message_delta":
                continue
            for piece in event["data"]["deltaContent"].split():
                sent, index = piece.split(":")
                latencies.append((arrival - int(sent)) / 1e6)
                indexes.append(int(index))
        problems["missing"] += deltas_per_stream - len(set(indexes))
        problems["outOfOrder"] += sum(1 for before, after in zip(indexes, indexes[1:]) if after <= before)
    return latencies, problems


def delta_latencies_direct(streams, deltas_per_stream):
    latencies = []
    problems = {"missing": 0, "outOfOrder": 0}
    pattern = re.compile(rb'"content":"(\d+):(\d+) "')
    for raw, reads in streams:
        ends = [end for end, _ in reads]
        indexes = []
        for match in pattern.finditer(raw):
            read_index = bisect.bisect_left(ends, match.end())
            latencies.append((reads[read_index][1] - int(match.group(1))) / 1e6)
            indexes.append(int(match.group(2)))
        problems["missing"] += deltas_per_stream - len(set(indexes))
        problems["outOfOrder"] += sum(1 for before, after in zip(indexes, indexes[1:]) if after <= before)
    return latencies, problems


def latency_row(name, latencies, problems, extra):
    row = {"path": name, "deltas": len(latencies)}
    for label, fraction in (("p50Ms", 0.5), ("p90Ms", 0.9), ("p99Ms", 0.99), ("p999Ms", 0.999)):
        value = percentile(latencies, fraction)
        row[label] = round(value, 3) if value is not None else None
    row["maxMs"] = round(max(latencies), 3) if latencies else None
    row.update(problems)
    row.update(extra)
    return row


def server_argv(arguments):
    per_stream = int(arguments.latency_rate * arguments.latency_seconds)
    return [
        sys.executable, os.path.join(BENCH_DIRECTORY, "sse_server.py"),
        "--deltas", str(per_stream), "--interval-ms", str(1000.0 / arguments.latency_rate),
    ]


def stop_server(server):
    """Stop the SSE server and return the statistics line it prints on SIGTERM."""
    return json.loads(server.stop().strip().splitlines()[-1])


def cpu_share(figures, seconds):
    """Add the CPU seconds of the benchmark's own processes to the machine's busy figures."""
    figures["ourCpuSeconds"] = {name: round(value, 2) for name, value in seconds.items()}
    return figures


def measure_direct(arguments, sessions, work, timeout):
    per_stream = int(arguments.latency_rate * arguments.latency_seconds)
    server = ListeningChild(server_argv(arguments), os.path.join(work, "sse-server-direct.log"))
    try:
        server_cpu_before = process_cpu_seconds(server.pid)
        client_cpu_before = time.process_time()
        cpu = SystemCpu()
        cpu.start()
        streams = direct.read_streams_concurrently(server.port, sessions, timeout)
        machine = cpu.stop()
        seconds = {
            "server": process_cpu_seconds(server.pid) - server_cpu_before,
            "client": time.process_time() - client_cpu_before,
        }
    finally:
        server_stats = stop_server(server)
    latencies, problems = delta_latencies_direct(streams, per_stream)
    extra = {"server": server_stats, "machine": cpu_share(machine, seconds)}
    return latency_row("Python reader, direct", latencies, problems, extra)


def measure_through_host(arguments, sessions, work, timeout):
    per_stream = int(arguments.latency_rate * arguments.latency_seconds)
    server = ListeningChild(server_argv(arguments), os.path.join(work, "sse-server-host.log"))
    label = f"latency-{sessions}"
    host = HostClient(arguments.static, os.path.join(work, f"home-{label}"), os.path.join(work, f"host-{label}.log"))
    try:
        session_ids = create_sessions(host, sessions, server.port)
        mark = len(host.buffer)
        host_cpu_before = process_cpu_seconds(host.pid)
        server_cpu_before = process_cpu_seconds(server.pid)
        client_cpu_before = time.process_time()
        cpu = SystemCpu()
        cpu.start()
        send_prompts(host, session_ids)
        found = host.wait_for_pattern(IDLE_PATTERN, sessions, timeout, start_offset=mark)
        machine = cpu.stop()
        seconds = {
            "host": process_cpu_seconds(host.pid) - host_cpu_before,
            "server": process_cpu_seconds(server.pid) - server_cpu_before,
            "client": time.process_time() - client_cpu_before,
        }
        status = process_status(host.pid)
        messages = decode_frames(host)
    finally:
        host.close()
        server_stats = stop_server(server)
    latencies, problems = delta_latencies_from_host(messages, session_ids, per_stream)
    extra = {
        "idleSeen": found,
        "hostCpuMsPer1000": round(seconds["host"] / max(1, len(latencies)) * 1e6, 2),
        "hostVmHWMKiB": status["VmHWM"],
        "server": server_stats,
        "machine": cpu_share(machine, seconds),
    }
    return latency_row("through byok-host static-stdlib", latencies, problems, extra)


def measure_latency(arguments, work):
    """Measure each session count of --latency-sessions, the direct path first, then through the host."""
    timeout = arguments.latency_seconds * 4 + 60
    runs = []
    for sessions in arguments.latency_sessions:
        rows = [
            measure_direct(arguments, sessions, work, timeout),
            measure_through_host(arguments, sessions, work, timeout),
        ]
        runs.append({"sessions": sessions, "rows": rows})
    return {
        "deltasPerSecondPerSession": arguments.latency_rate,
        "deltasPerSession": int(arguments.latency_rate * arguments.latency_seconds),
        "runs": runs,
    }
