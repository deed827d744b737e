"""Plain readers of an SSE stream, used as baselines: they read the provider directly, with no host between.

Python standard library only. Each reader stamps every recv() with CLOCK_MONOTONIC and decodes afterwards,
like hostclient.HostClient, so the two paths are timed the same way.
"""

import json
import os
import selectors
import socket
import subprocess
import time

DONE_MARKER = b"data: [DONE]"
RECEIVE_SIZE = 1 << 20


def chat_request(port, prompt="Go"):
    body = json.dumps(
        {"model": "bench-model", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    ).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: text/event-stream\r\nAuthorization: Bearer sk-bench\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def decode_chunked(body):
    """Return the payload of a Transfer-Encoding: chunked body (which may lack its final empty chunk)."""
    payload = bytearray()
    offset = 0
    while offset < len(body):
        line_end = body.find(b"\r\n", offset)
        if line_end < 0:
            break
        size = int(body[offset:line_end].split(b";")[0], 16)
        if size == 0:
            break
        start = line_end + 2
        payload += body[start : start + size]
        offset = start + size + 2
    return bytes(payload)


def split_response(raw):
    """Return (status line, headers dict, decoded body) of one HTTP/1.1 response."""
    head_end = raw.index(b"\r\n\r\n")
    lines = raw[:head_end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = raw[head_end + 4 :]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = decode_chunked(body)
    return lines[0], headers, body


def sse_data(body):
    """Return the `data:` payloads of an SSE body, in order."""
    events = []
    for block in body.split(b"\n\n"):
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                events.append(line[5:].strip())
    return events


def content_deltas(events):
    """Return the content strings of OpenAI chat chunks, skipping empty ones and [DONE]."""
    deltas = []
    for event in events:
        if event == b"[DONE]":
            continue
        chunk = json.loads(event)
        for choice in chunk.get("choices", []):
            text = choice.get("delta", {}).get("content")
            if text:
                deltas.append(text)
    return deltas


def read_one_stream(port, timeout=120.0):
    """POST one streamed chat request and read the whole reply.

    Returns a dict: wall seconds from the request write to [DONE], the reader's own CPU seconds, the raw
    response and the content deltas.
    """
    cpu_before = time.process_time()
    connection = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    raw = bytearray()
    started = time.monotonic()
    connection.sendall(chat_request(port))
    deadline = started + timeout
    while time.monotonic() < deadline:
        data = connection.recv(RECEIVE_SIZE)
        if not data:
            break
        raw += data
        if raw.find(DONE_MARKER, max(0, len(raw) - len(data) - len(DONE_MARKER))) >= 0:
            break
    finished = time.monotonic()
    cpu_after = time.process_time()
    connection.close()
    _, _, body = split_response(bytes(raw))
    return {
        "seconds": finished - started,
        "readerCpuSeconds": cpu_after - cpu_before,
        "deltas": content_deltas(sse_data(body)),
    }


def curl_one_stream(port, timeout=120):
    """Stream one chat reply with curl into /dev/null; return wall and curl's CPU seconds."""
    body = json.dumps({"model": "bench-model", "stream": True, "messages": [{"role": "user", "content": "Go"}]})
    command = [
        "curl", "--silent", "--show-error", "--no-buffer", "--output", "/dev/null",
        "--max-time", str(timeout), "--header", "Content-Type: application/json",
        "--data", body, f"http://127.0.0.1:{port}/v1/chat/completions",
    ]
    started = time.monotonic()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    finished = time.monotonic()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"curl exited with status {process.returncode}")
    return {"seconds": finished - started, "curlCpuSeconds": usage.ru_utime + usage.ru_stime}


def read_streams_concurrently(port, count, timeout):
    """Open `count` streamed chat requests at once and read them all until each sends [DONE].

    Returns one (raw response bytes, [(buffer end offset, receive ns)]) pair per stream. A stream that
    did not finish within `timeout` seconds is returned as far as it was read.
    """
    selector = selectors.DefaultSelector()
    streams = []
    for index in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.sendall(chat_request(port))
        connection.setblocking(False)
        stream = {"socket": connection, "raw": bytearray(), "reads": [], "done": False}
        streams.append(stream)
        selector.register(connection, selectors.EVENT_READ, stream)
    remaining = count
    deadline = time.monotonic() + timeout
    while remaining and time.monotonic() < deadline:
        for key, _ in selector.select(0.5):
            stream = key.data
            data = stream["socket"].recv(RECEIVE_SIZE)
            now = time.monotonic_ns()
            raw = stream["raw"]
            if data:
                raw += data
                stream["reads"].append((len(raw), now))
            if not data or raw.find(DONE_MARKER, max(0, len(raw) - len(data) - len(DONE_MARKER))) >= 0:
                stream["done"] = True
                selector.unregister(stream["socket"])
                stream["socket"].close()
                remaining -= 1
    for stream in streams:
        if not stream["done"]:
            selector.unregister(stream["socket"])
            stream["socket"].close()
    selector.close()
    return [(bytes(stream["raw"]), stream["reads"]) for stream in streams]
