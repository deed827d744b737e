"""Benchmarks of byok-host: start-up, idle memory, relay throughput, added latency and many sessions.

bench/run.sh builds the binaries and calls this script; bench/RESULTS.md describes what each section measures.
Everything runs on 127.0.0.1, every child process is stopped by its pid, and every wait has a timeout.
Python standard library only.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import latency  # noqa: E402
import report  # noqa: E402
import sessions  # noqa: E402
import startup  # noqa: E402
import throughput  # noqa: E402
from common import wait_for_quiet_machine  # noqa: E402

SECTIONS = ("startup", "idle", "throughput", "latency", "sessions")


def machine_description(arguments):
    def first_line(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    cpu_model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory_kib = int(meminfo.readline().split()[1])
    os_name = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as release:
            for line in release:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    return {
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "memoryGiB": round(memory_kib / 1024 / 1024, 1),
        "os": os_name,
        "kernel": platform.release(),
        "swift": first_line(["swift", "--version"]),
        "python": platform.python_version(),
        "node": first_line([arguments.node, "--version"]),
        "curl": first_line(["curl", "--version"]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def session_counts(text):
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers separated by commas, not {text!r}")
    return counts


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Benchmarks of byok-host; bench/run.sh builds and calls this.")

    binaries = parser.add_argument_group("binaries (bench/run.sh passes these)")
    binaries.add_argument("--release", required=True, help="byok-host from swift build -c release")
    binaries.add_argument(
        "--static", required=True, help="byok-host from swift build -c release --static-swift-stdlib"
    )
    binaries.add_argument("--bare-networking-release", required=True, help="bench/baseline bare-networking, release")
    binaries.add_argument(
        "--bare-networking-static", required=True, help="bench/baseline bare-networking, --static-swift-stdlib"
    )
    binaries.add_argument(
        "--bare-foundation-static", required=True, help="bench/baseline bare-foundation, --static-swift-stdlib"
    )
    binaries.add_argument("--node", default=shutil.which("node") or "node", help="node, for the start-up baseline")
    binaries.add_argument("--source", default="unknown", help="what byok-host was built from, for the report")

    run = parser.add_argument_group("the run")
    run.add_argument("--out", required=True, help="folder for results.json, results.md and logs")
    run.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    run.add_argument(
        "--wait-idle", type=float, default=120.0,
        help="seconds to wait before each section for the machine to be under 25%% busy (default 120)",
    )
    run.add_argument(
        "--perf", action="store_true",
        help="after the throughput runs, relay one more turn under perf record into OUT/throughput.perf.data",
    )

    sizes = parser.add_argument_group("sizes")
    sizes.add_argument("--repeat", type=int, default=3, help="runs of each throughput measurement (default 3)")
    sizes.add_argument("--startup-runs", type=int, default=50, help="timed spawns of each program (default 50)")
    sizes.add_argument("--startup-warmup", type=int, default=3, help="untimed spawns first (default 3)")
    sizes.add_argument("--idle-runs", type=int, default=5, help="hosts whose idle memory is read (default 5)")
    sizes.add_argument("--throughput-deltas", type=int, default=100_000, help="deltas in the full-speed turn")
    sizes.add_argument(
        "--latency-sessions", type=session_counts, default=[100, 10],
        help="comma-separated concurrent session counts, each measured in turn (default 100,10)",
    )
    sizes.add_argument("--latency-rate", type=float, default=50.0, help="deltas per second per session (default 50)")
    sizes.add_argument("--latency-seconds", type=float, default=4.0, help="length of each stream (default 4)")
    sizes.add_argument("--sessions", type=int, default=500, help="concurrent sessions in section 5 (default 500)")
    sizes.add_argument("--session-deltas", type=int, default=100, help="deltas per session (default 100)")
    sizes.add_argument("--session-delay-ms", type=int, default=20, help="milliseconds between deltas (default 20)")
    sizes.add_argument(
        "--sessions-timeout", type=float, default=600.0, help="seconds to wait for every session.idle (default 600)"
    )
    return parser.parse_args(argv)


def main(argv):
    arguments = parse_arguments(argv)
    sections = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        sys.exit(f"Error: unknown section(s) {', '.join(sorted(unknown))}; expected some of {', '.join(SECTIONS)}")
    os.makedirs(arguments.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="byok-bench-")
    results = {"machine": machine_description(arguments), "settings": vars(arguments), "load": {}}
    results["machine"]["source"] = arguments.source
    measurements = {
        "startup": startup.measure_startup,
        "idle": startup.measure_idle_memory,
        "throughput": throughput.measure_throughput,
        "latency": latency.measure_latency,
        "sessions": sessions.measure_sessions,
    }
    try:
        for name in sections:
            results["load"][name] = wait_for_quiet_machine(arguments.wait_idle)
            print(f"[bench] {name}: machine {results['load'][name]['busyFraction']:.0%} busy at start", flush=True)
            started = time.monotonic()
            results[name] = measurements[name](arguments, work)
            print(f"[bench] {name}: done in {time.monotonic() - started:.1f} s", flush=True)
    finally:
        for log in os.listdir(work):
            if log.endswith(".log"):
                shutil.copy(os.path.join(work, log), arguments.out)
        shutil.rmtree(work, ignore_errors=True)
        with open(os.path.join(arguments.out, "results.json"), "w") as file:
            json.dump(results, file, indent=2)
        with open(os.path.join(arguments.out, "results.md"), "w") as file:
            file.write(report.render(results))
    print(report.render(results))


if __name__ == "__main__":
    main(sys.argv[1:])
