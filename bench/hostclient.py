"""A JSON-RPC client for byok-host over stdio, plus /proc readers, for the benchmarks in bench.py.

The client reads stdout in large chunks and stamps each read with CLOCK_MONOTONIC. Frames are split and
decoded after a timed section, so during it the client costs little more than its read(2) calls.
Python standard library only.
"""

import bisect
import json
import os
import select
import subprocess
import threading
import time

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
READ_SIZE = 1 << 20


def frame(message):
    """Return one LSP-style frame carrying `message` as compact JSON."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


# MARK: - /proc


def process_status(pid):
    """Return the kB fields of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, ...) and Threads."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            parts = value.split()
            if name == "Threads":
                fields[name] = int(parts[0])
            elif len(parts) == 2 and parts[1] == "kB":
                fields[name] = int(parts[0])
    return fields


def process_cpu_seconds(pid):
    """Return utime + stime of a process in seconds, from /proc/PID/stat (10 ms resolution)."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    # The command name may contain spaces, so split after its closing parenthesis.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS_PER_SECOND


def system_busy_fraction(interval=1.0):
    """Return the share of all CPU time spent busy over `interval` seconds, from /proc/stat."""

    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]
        return sum(values), idle

    total_before, idle_before = sample()
    time.sleep(interval)
    total_after, idle_after = sample()
    total = total_after - total_before
    return 0.0 if total <= 0 else 1.0 - (idle_after - idle_before) / total


# MARK: - Host process


class HostClient:
    """One byok-host child process spoken to over its stdin and stdout."""

    def __init__(self, binary, home, stderr_path, extra_args=()):
        self.stderr_file = open(stderr_path, "ab")
        self.process = subprocess.Popen(
            [binary, "--stdio", "--home", home, *extra_args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
        )
        self.pid = self.process.pid
        self.input_fd = self.process.stdin.fileno()
        self.output_fd = self.process.stdout.fileno()
        self.buffer = bytearray()
        # Parallel lists: the buffer length after each read and the CLOCK_MONOTONIC time of that read.
        self.read_ends = []
        self.read_times_ns = []
        self.parsed_offset = 0
        self.next_id = 1
        self.writer = None

    # Writing

    def write(self, message):
        data = frame(message)
        view = memoryview(data)
        while view:
            written = os.write(self.input_fd, view)
            view = view[written:]

    def write_in_background(self, messages):
        """Write `messages` on a thread, so a long pipelined batch cannot block against our own reads."""

        def run():
            for message in messages:
                self.write(message)

        self.writer = threading.Thread(target=run, daemon=True)
        self.writer.start()

    def make_request(self, method, params):
        request_id = self.next_id
        self.next_id += 1
        return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}

    # Reading

    def pump(self, timeout):
        """Read once if data arrives within `timeout` seconds; return the byte count (0 on timeout)."""
        ready, _, _ = select.select([self.output_fd], [], [], timeout)
        if not ready:
            return 0
        chunk = os.read(self.output_fd, READ_SIZE)
        now = time.monotonic_ns()
        if not chunk:
            raise EOFError(f"byok-host (pid {self.pid}) closed stdout; exit status {self.process.poll()}")
        self.buffer += chunk
        self.read_ends.append(len(self.buffer))
        self.read_times_ns.append(now)
        return len(chunk)

    def next_frames(self):
        """Split the complete frames read since the last call; yield (arrival_ns, body_bytes)."""
        buffer = self.buffer
        offset = self.parsed_offset
        while True:
            header_end = buffer.find(b"\r\n\r\n", offset)
            if header_end < 0:
                break
            header = bytes(buffer[offset:header_end]).decode("ascii")
            length = None
            for line in header.split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                raise ValueError(f"frame header without Content-Length at byte {offset}: {header!r}")
            body_start = header_end + 4
            body_end = body_start + length
            if body_end > len(buffer):
                break
            read_index = bisect.bisect_left(self.read_ends, body_end)
            yield self.read_times_ns[read_index], bytes(buffer[body_start:body_end])
            offset = body_end
            self.parsed_offset = offset

    def request(self, method, params, timeout=30.0, collected=None):
        """Send one request and return its result; other messages are appended to `collected`."""
        message = self.make_request(method, params)
        self.write(message)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, body in self.next_frames():
                reply = json.loads(body)
                if reply.get("id") == message["id"] and "method" not in reply:
                    if "error" in reply:
                        raise RuntimeError(f"{method} failed: {reply['error']}")
                    return reply["result"]
                if collected is not None:
                    collected.append(reply)
            self.pump(0.5)
        raise TimeoutError(f"no reply to {method} within {timeout} s")

    def wait_for_pattern(self, pattern, count, timeout, start_offset=0):
        """Read until `pattern` occurs `count` times in the output after `start_offset`.

        Returns the number found, which is less than `count` only when `timeout` ran out.
        """
        found = 0
        search_from = start_offset
        deadline = time.monotonic() + timeout
        while found < count and time.monotonic() < deadline:
            self.pump(0.2)
            while True:
                index = self.buffer.find(pattern, search_from)
                if index < 0:
                    # Keep the tail that may hold the start of a match split across reads.
                    search_from = max(search_from, len(self.buffer) - len(pattern) + 1)
                    break
                found += 1
                search_from = index + len(pattern)
        return found

    # Stopping

    def close(self, timeout=10.0):
        """Close stdin, which stops the host, and wait for it; kill it by pid if it does not exit in time."""
        if self.writer is not None:
            self.writer.join(timeout)
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            # Keep draining stdout, or a host with queued output could block on a full pipe.
            try:
                self.pump(0.1)
            except EOFError:
                break
        if self.process.poll() is None:
            self.process.kill()
        status = self.process.wait()
        self.process.stdout.close()
        self.stderr_file.close()
        return status
