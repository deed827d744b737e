"""A loopback OpenAI-style SSE server that writes its send time into every content delta.

Each POST .../chat/completions gets a streamed reply of `--deltas` content chunks, one every
`--interval-ms` milliseconds. The content of chunk i is "<ns>:<i> ", where <ns> is time.monotonic_ns()
(CLOCK_MONOTONIC, shared by every process on the machine) taken just before the chunk is handed to
the socket, so a client can compute write-to-receive latency per delta.

Usage: python3 sse_server.py --deltas N --interval-ms MS
Prints "listening on port N" once it accepts connections. On SIGTERM or SIGINT it prints one JSON line of
statistics (requests, most concurrent streams, late sends) and exits.
"""

import argparse
import asyncio
import json
import signal
import socket
import sys
import time

CHUNK_ID = "chatcmpl-bench"


def sse_chunk(delta, finish_reason=None):
    payload = {
        "id": CHUNK_ID,
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "bench-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    event = b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"
    return http_chunk(event)


def http_chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


class Statistics:
    def __init__(self):
        self.requests = 0
        self.open_streams = 0
        self.max_open_streams = 0
        self.deltas = 0
        # Sends more than 5 ms after their schedule: a sign that this server, not the host, was busy.
        self.late_sends = 0


async def read_request(reader):
    """Read one HTTP/1.1 request; return (method, target, headers) or None at end of stream."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return method, target, headers


async def stream_reply(writer, arguments, statistics):
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        b"Cache-Control: no-cache\r\n\r\n"
    )
    writer.write(sse_chunk({"role": "assistant", "content": ""}))
    await writer.drain()
    interval_ns = arguments.interval_ms * 1_000_000
    start = time.monotonic_ns()
    for index in range(arguments.deltas):
        scheduled = start + (index + 1) * interval_ns
        wait_ns = scheduled - time.monotonic_ns()
        if wait_ns > 0:
            await asyncio.sleep(wait_ns / 1e9)
        now = time.monotonic_ns()
        if now - scheduled > 5_000_000:
            statistics.late_sends += 1
        writer.write(sse_chunk({"content": f"{now}:{index} "}))
        statistics.deltas += 1
        await writer.drain()
    writer.write(sse_chunk({}, finish_reason="stop"))
    writer.write(http_chunk(b"data: [DONE]\n\n"))
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def serve_connection(reader, writer, arguments, statistics):
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                method, target, _ = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            statistics.requests += 1
            if method != "POST" or not target.split("?")[0].endswith("/chat/completions"):
                body = b'{"error":{"message":"not found","type":"invalid_request_error"}}'
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n")
                writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
                continue
            statistics.open_streams += 1
            statistics.max_open_streams = max(statistics.max_open_streams, statistics.open_streams)
            try:
                await stream_reply(writer, arguments, statistics)
            finally:
                statistics.open_streams -= 1
    except ConnectionError:
        return
    finally:
        writer.close()


async def main(arguments):
    statistics = Statistics()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopped.set)
    server = await asyncio.start_server(
        lambda reader, writer: serve_connection(reader, writer, arguments, statistics),
        host="127.0.0.1",
        port=arguments.port,
        backlog=1024,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening on port {port}", flush=True)
    await stopped.wait()
    server.close()
    print(
        json.dumps(
            {
                "requests": statistics.requests,
                "deltas": statistics.deltas,
                "maxOpenStreams": statistics.max_open_streams,
                "lateSends": statistics.late_sends,
            }
        ),
        flush=True,
    )


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deltas", type=int, required=True, help="content chunks per reply")
    parser.add_argument("--interval-ms", type=float, required=True, help="milliseconds between chunks")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_arguments(sys.argv[1:])))
