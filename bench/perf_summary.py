"""Sort the samples of a byok-host `perf record --call-graph dwarf` profile into the stages of the relay path.

Usage: python3 perf_summary.py PERF_DATA [--comm-prefix NAME]

Each sample goes to the first stage, in the order of STAGES, that names a function anywhere in its call
stack, so a sample of malloc called while serializing counts as serialization. The patterns match
byok-host's mangled Swift symbols as of this commit; a renamed function falls into "other", so check that
share when the sources change. Needs `perf` on PATH. Python standard library only.
"""

import argparse
import collections
import subprocess
import sys

# (stage, substrings of a frame's symbol), tried in order.
STAGES = [
    ("event id: Foundation UUID()", ("UUIDVACycfC", "uuid_generate_random")),
    ("provider chunk: JSON parse and decode", ("OpenAIChatStreamDecoder", "JSONParser")),
    ("provider chunk: SSE line splitting", ("ServerSentEventParser",)),
    ("notification: JSON serialization and framing", ("FrameWriter", "serializedBytes", "JSONValueO5write")),
    ("notification: queue and wake the writer thread", ("FrameOutputC7enqueue",)),
    ("event timestamp: formatting", ("BYOKLogging9TimestampO",)),
    ("event envelope: dictionaries and the rest of emit", ("makeEvent", "SessionEvent", "JSONObject")),
    ("writer thread: one write(2) per frame", ("FrameOutputC9runWriter",)),
    ("libcurl thread: poll, recv, HTTP chunks", ("CurlMultiLoop", "curl_multi")),
    ("session task: rest of the delta loop", ("callModel",)),
    ("Swift concurrency and dispatch", ("swift_task", "swift_job_run", "_dispatch_")),
]


def sample_stacks(perf_data, comm_prefix):
    """Yield the list of symbols of each sample whose thread name starts with `comm_prefix`."""
    output = subprocess.run(
        ["perf", "script", "-i", perf_data, "-F", "comm,ip,sym"],
        capture_output=True, text=True, check=True,
    ).stdout
    stack = None
    for line in output.split("\n"):
        if not line.strip():
            if stack is not None:
                yield stack
            stack = None
        elif not line.startswith(("\t", " ")):
            comm = line.strip()
            stack = [] if comm.startswith(comm_prefix) or not comm_prefix else None
        elif stack is not None:
            parts = line.split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else parts[0])
    if stack is not None:
        yield stack


def classify(stack):
    for stage, patterns in STAGES:
        if any(pattern in frame for frame in stack for pattern in patterns):
            return stage
    return "other"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("perf_data", help="a perf.data file recorded with --call-graph dwarf")
    parser.add_argument("--comm-prefix", default="", help="count only threads whose name starts with this")
    arguments = parser.parse_args(argv)

    counts = collections.Counter()
    total = 0
    for stack in sample_stacks(arguments.perf_data, arguments.comm_prefix):
        counts[classify(stack)] += 1
        total += 1
    if not total:
        sys.exit(f"Error: no samples in {arguments.perf_data}; record with perf record --call-graph dwarf -p PID")
    print(f"| Stage | Share of host samples ({total:,}) |")
    print("|---|---|")
    for stage, count in counts.most_common():
        print(f"| {stage} | {count / total:.1%} |")


if __name__ == "__main__":
    main(sys.argv[1:])
