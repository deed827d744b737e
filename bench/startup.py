"""Sections 1 and 2: spawn-to-connect time of each build next to bare programs, and idle memory."""

import os
import re
import subprocess
import time

from common import CONNECT_FRAME, median, percentile
from hostclient import HostClient, process_status


def spawn_to_connect(argv):
    """Spawn the host, send connect, and wait for its reply; return (ns, /proc status right after)."""
    started = time.perf_counter_ns()
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.write(process.stdin.fileno(), CONNECT_FRAME)
    reply = bytearray()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        reply += chunk
        header_end = reply.find(b"\r\n\r\n")
        if header_end >= 0:
            length = int(reply[:header_end].split(b":")[1])
            if len(reply) >= header_end + 4 + length:
                break
    elapsed = time.perf_counter_ns() - started
    if b'"ok":true' not in reply:
        process.kill()
        process.wait()
        raise RuntimeError(f"{argv[0]} gave no connect reply: {bytes(reply)!r}")
    status = process_status(process.pid)
    process.stdin.close()
    process.wait(10)
    process.stdout.close()
    return elapsed, status


def spawn_to_exit(argv):
    """Spawn a program and wait for it to exit; return the nanoseconds taken."""
    started = time.perf_counter_ns()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A blocking waitpid: Popen.wait(timeout) polls with sleeps of up to 50 ms, which would add to the time.
    _, status = os.waitpid(process.pid, 0)
    elapsed = time.perf_counter_ns() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv} exited with status {process.returncode}")
    return elapsed


def startup_targets(arguments, home):
    """Return (name, timed until, argv, argv that prints VmRSS and VmHWM at exit or None) per program."""
    host_args = ["--stdio", "--home", home]
    node_memory = (
        "process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8').split('\\n')"
        ".filter((line) => /^Vm(RSS|HWM)/.test(line)).join('\\n') + '\\n')"
    )
    bare = (
        ("bare FoundationNetworking static-stdlib", arguments.bare_networking_static),
        ("bare FoundationNetworking release", arguments.bare_networking_release),
        ("bare Foundation static-stdlib", arguments.bare_foundation_static),
    )
    targets = [
        ("byok-host static-stdlib", "connect", [arguments.static, *host_args], None),
        ("byok-host release", "connect", [arguments.release, *host_args], None),
        ("byok-host static-stdlib --version", "exit", [arguments.static, "--version"], None),
    ]
    targets += [(name, "exit", [binary], [binary, "--print-memory"]) for name, binary in bare]
    targets += [
        ('node -e ""', "exit", [arguments.node, "-e", ""], [arguments.node, "-e", node_memory]),
        ("/bin/true (spawn floor)", "exit", ["/bin/true"], None),
    ]
    return targets


def memory_at_exit(argv):
    """Run a program that prints its own VmHWM line; return VmHWM in kB."""
    output = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout
    match = re.search(r"VmHWM:\s+(\d+) kB", output)
    if not match:
        raise RuntimeError(f"{argv} printed no VmHWM line: {output!r}")
    return int(match.group(1))


def measure_startup(arguments, work):
    """Spawn every target in turn, round-robin, so a change in machine load touches all of them alike."""
    home = os.path.join(work, "startup-home")
    targets = startup_targets(arguments, home)
    samples = {name: [] for name, _, _, _ in targets}
    memory = {name: [] for name, _, _, _ in targets}
    for round_index in range(arguments.startup_warmup + arguments.startup_runs):
        for name, kind, argv, _ in targets:
            if kind == "connect":
                elapsed, status = spawn_to_connect(argv)
                memory[name].append(status["VmRSS"])
            else:
                elapsed = spawn_to_exit(argv)
            if round_index >= arguments.startup_warmup:
                samples[name].append(elapsed / 1e6)
    for name, _, _, memory_argv in targets:
        if memory_argv:
            memory[name] = [memory_at_exit(memory_argv) for _ in range(3)]
    rows = []
    for name, kind, _, _ in targets:
        values = samples[name]
        rows.append(
            {
                "name": name,
                "until": "connect reply" if kind == "connect" else "exit",
                "runs": len(values),
                "medianMs": round(median(values), 2),
                "p90Ms": round(percentile(values, 0.9), 2),
                "minMs": round(min(values), 2),
                "rssKiB": int(median(memory[name])) if memory[name] else None,
            }
        )
    return {"rows": rows}


def measure_idle_memory(arguments, work):
    """Read /proc/PID/status of a connected, idle host (0.5 s after the connect reply)."""
    home = os.path.join(work, "idle-home")
    rows = []
    for name, binary in (("static-stdlib", arguments.static), ("release", arguments.release)):
        readings = []
        for _ in range(arguments.idle_runs):
            host = HostClient(binary, home, os.path.join(work, "host-idle.log"))
            host.request("connect", {})
            time.sleep(0.5)
            readings.append(process_status(host.pid))
            host.close()
        row = {"name": f"byok-host {name}", "runs": len(readings)}
        for field in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            row[field] = int(median([reading[field] for reading in readings]))
        rows.append(row)
    return {"rows": rows}
