"""Section 5: many concurrent streaming sessions in one host, with every event checked."""

import os
import time

from common import (
    IDLE_PATTERN,
    SystemCpu,
    check_event_chain,
    decode_frames,
    create_sessions,
    percentile,
    send_prompts,
    session_events,
    start_mock,
    turn_summary,
)
from hostclient import HostClient, process_cpu_seconds, process_status


def sessions_script(sessions, deltas, delay_ms):
    texts = [" ".join(f"s{reply}w{index}" for index in range(deltas)) for reply in range(sessions)]
    replies = [{"text": text, "delayMs": delay_ms} for text in texts]
    return texts, {"model": "mock-model", "afterLast": "error", "replies": replies}


def measure_sessions(arguments, work):
    count = arguments.sessions
    texts, script = sessions_script(count, arguments.session_deltas, arguments.session_delay_ms)
    mock = start_mock(arguments.release, script, work)
    host = HostClient(arguments.static, os.path.join(work, "home-sessions"), os.path.join(work, "host-sessions.log"))
    try:
        session_ids = create_sessions(host, count, mock.port)
        mark = len(host.buffer)
        rss_before = process_status(host.pid)
        host_cpu_before = process_cpu_seconds(host.pid)
        cpu = SystemCpu()
        cpu.start()
        sent_ns = time.monotonic_ns()
        send_prompts(host, session_ids)
        found = host.wait_for_pattern(IDLE_PATTERN, count, arguments.sessions_timeout, start_offset=mark)
        done_ns = time.monotonic_ns()
        machine = cpu.stop()
        host_cpu = process_cpu_seconds(host.pid) - host_cpu_before
        peak = process_status(host.pid)
        time.sleep(1.0)
        settled = process_status(host.pid)
        messages = decode_frames(host)
    finally:
        host.close()
        mock.stop()
    return check_sessions(
        session_ids, messages, texts, sent_ns,
        {
            "sessions": count,
            "deltasPerSession": arguments.session_deltas,
            "delayMs": arguments.session_delay_ms,
            "idleSeen": found,
            "wallSeconds": round((done_ns - sent_ns) / 1e9, 2),
            "idealSeconds": round(arguments.session_deltas * arguments.session_delay_ms / 1000, 2),
            "hostCpuSeconds": round(host_cpu, 2),
            "vmRSSBeforeKiB": rss_before["VmRSS"],
            "vmHWMKiB": peak["VmHWM"],
            "vmRSSAfterKiB": settled["VmRSS"],
            "threadsAtEnd": peak["Threads"],
            "machine": machine,
        },
    )


def check_sessions(session_ids, messages, texts, sent_ns, result):
    """Check that every session's deltas rebuild exactly one scripted reply, once, in order."""
    grouped = session_events(messages)
    unused = {text: True for text in texts}
    totals = {"lostDeltas": 0, "extraDeltas": 0, "duplicates": 0, "chainBreaks": 0, "noIdle": 0,
              "mismatched": 0, "finalMismatch": 0, "sessionErrors": 0}
    first_delta_seconds = []
    for session_id in session_ids:
        timed = grouped.get(session_id, [])
        events = [event for _, event in timed]
        chain = check_event_chain(events)
        totals["duplicates"] += chain["duplicates"]
        totals["chainBreaks"] += chain["chainBreaks"]
        totals["noIdle"] += 0 if chain["endsWithIdle"] else 1
        deltas, finals, errors = turn_summary(events)
        totals["sessionErrors"] += len(errors)
        joined = "".join(deltas)
        if joined in unused and unused[joined]:
            unused[joined] = False
        else:
            totals["mismatched"] += 1
            expected_words = len(texts[0].split())
            totals["lostDeltas"] += max(0, expected_words - len(deltas))
            totals["extraDeltas"] += max(0, len(deltas) - expected_words)
        if finals != [joined]:
            totals["finalMismatch"] += 1
        for arrival, event in timed:
            if event["type"] == "assistant.message_delta":
                first_delta_seconds.append((arrival - sent_ns) / 1e9)
                break
    result.update(totals)
    result["firstDeltaSecondsP50"] = round(percentile(first_delta_seconds, 0.5), 2) if first_delta_seconds else None
    result["firstDeltaSecondsMax"] = round(max(first_delta_seconds), 2) if first_delta_seconds else None
    return result
