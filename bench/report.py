"""Render the results of bench.py as Markdown tables, one per measurement, with ratios to the baselines."""

import statistics


def ratio(value, baseline):
    if value is None or not baseline:
        return "–"
    return f"{value / baseline:.2f}×"


def mib(kib):
    return f"{kib / 1024:.1f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def load_line(results, section):
    load = results.get("load", {}).get(section)
    if not load:
        return ""
    one, five, _ = load["loadavg"]
    return f"Machine at start: {load['busyFraction']:.0%} busy over 1 s, load average {one:.2f} (1 min), {five:.2f} (5 min).\n\n"


def render_machine(machine):
    rows = [
        ("CPU", f"{machine['cpu']}, {machine['cores']} cores"),
        ("Memory", f"{machine['memoryGiB']} GiB"),
        ("OS", f"{machine['os']}, kernel {machine['kernel']}"),
        ("Toolchain", machine["swift"]),
        ("Clients", f"Python {machine['python']}, node {machine['node']}, {machine['curl'].split(' (')[0]}"),
        ("Date", machine["date"]),
        ("byok-host built from", machine.get("source", "unknown")),
    ]
    return table(["", ""], rows)


def render_startup(results):
    rows_in = results["startup"]["rows"]
    by_name = {row["name"]: row for row in rows_in}
    node = by_name.get('node -e ""', {}).get("medianMs")
    rows = []
    for row in rows_in:
        same_build = "static-stdlib" if "static-stdlib" in row["name"] else "release"
        bare = by_name.get(f"bare FoundationNetworking {same_build}", {}).get("medianMs")
        rows.append(
            [row["name"], row["until"], row["medianMs"], row["p90Ms"], row["minMs"],
             mib(row["rssKiB"]) if row["rssKiB"] else "–",
             ratio(row["medianMs"], bare), ratio(row["medianMs"], node)]
        )
    header = ["Program", "Timed until", "Median ms", "p90 ms", "Min ms", "RSS MiB",
              "÷ bare FoundationNetworking (same build)", "÷ node"]
    runs = rows_in[0]["runs"]
    return (
        f"### 1. Start-up ({runs} runs each, round-robin)\n\n{load_line(results, 'startup')}"
        + table(header, rows)
        + "\nRSS is VmRSS right after the connect reply for byok-host, and VmHWM printed by the program itself "
        "just before it exits for the baselines (median of 3 separate runs).\n"
    )


def render_idle(results):
    startup = {row["name"]: row for row in results.get("startup", {}).get("rows", [])}
    bare = startup.get("bare FoundationNetworking static-stdlib", {}).get("rssKiB")
    rows = []
    for row in results["idle"]["rows"]:
        rows.append(
            [row["name"], mib(row["VmRSS"]), mib(row["VmHWM"]), mib(row["RssAnon"]), mib(row["RssFile"]),
             row["Threads"], ratio(row["VmRSS"], bare)]
        )
    header = ["Build", "VmRSS MiB", "VmHWM MiB", "RssAnon MiB", "RssFile MiB", "Threads",
              "VmRSS ÷ bare FoundationNetworking static-stdlib VmHWM"]
    runs = results["idle"]["rows"][0]["runs"]
    return (
        f"### 2. Idle memory after connect (median of {runs} runs, read 0.5 s after the reply)\n\n"
        f"{load_line(results, 'idle')}" + table(header, rows)
    )


def render_throughput(results):
    data = results["throughput"]
    plain = data["plain"]
    hosts = data["host"]

    def median_of(runs, key):
        values = [run[key] for run in runs if run.get(key) is not None]
        return round(statistics.median(values), 2) if values else None

    python_runs = [run for run in plain if run["reader"] == "Python socket reader"]
    curl_runs = [run for run in plain if run["reader"] == "curl --no-buffer"]
    python_rate = median_of(python_runs, "deltasPerSecond")
    curl_cpu = median_of(curl_runs, "readerCpuMsPer1000")
    rows = []
    for name, runs in (("Python socket reader, direct", python_runs), ("curl --no-buffer, direct", curl_runs)):
        rows.append(
            [name, len(runs), median_of(runs, "deltasPerSecond"), "–", median_of(runs, "readerCpuMsPer1000"),
             median_of(runs, "mockCpuMsPer1000"), "–", all(run["exact"] in (True, None) for run in runs)]
        )
    for build in ("static-stdlib", "release"):
        runs = [run for run in hosts if run["build"] == build]
        if not runs:
            continue
        exact = all(run["exact"] and run["finalMessageExact"] and not run["duplicates"] and not run["chainBreaks"]
                    and run["endsWithIdle"] for run in runs)
        rate = median_of(runs, "deltasPerSecondSendToIdle")
        rows.append(
            [f"byok-host {build}", len(runs), rate, median_of(runs, "deltasPerSecondFirstToLast"),
             median_of(runs, "hostCpuMsPer1000"), median_of(runs, "mockCpuMsPer1000"),
             f"{ratio(rate, python_rate)} rate, {ratio(median_of(runs, 'hostCpuMsPer1000'), curl_cpu)} CPU", exact]
        )
    header = ["Reader", "Runs", "Deltas/s (request to end)", "Deltas/s (first to last delta)",
              "Reader CPU ms / 1,000 deltas", "Mock CPU ms / 1,000", "÷ Python reader rate, ÷ curl CPU",
              "Every delta exact, in order"]
    client = median_of(hosts, "clientCpuMsPer1000")
    hwm = max((run["hostVmHWMKiB"] for run in hosts), default=0)
    return (
        f"### 3. One session, {data['deltas']:,} deltas at full speed (median of runs)\n\n"
        f"{load_line(results, 'throughput')}" + table(header, rows)
        + f"\nDeltas average {data['averageDeltaBytes']} bytes of text. For byok-host the reader CPU column is the "
        f"host's own CPU (utime + stime from /proc/PID/stat, 10 ms ticks); the benchmark client itself used "
        f"{client} ms per 1,000 deltas. Host peak RSS during these runs: {mib(hwm)} MiB.\n"
    )


def render_latency(results):
    data = results["latency"]
    text = (
        f"### 4. Write-to-receive latency per delta at {data['deltasPerSecondPerSession']:g} deltas/s per session "
        f"({data['deltasPerSession']} deltas each)\n\n{load_line(results, 'latency')}"
    )
    header = ["Sessions", "Path", "Deltas", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "Missing",
              "Out of order", "Most open streams", "Late sends", "Machine busy, cores", "CPU s of our processes"]
    rows = []
    notes = []
    for run in data["runs"]:
        direct_row, host_row = run["rows"]
        for row in run["rows"]:
            machine = row["machine"]
            ours = " + ".join(f"{name} {value}" for name, value in machine["ourCpuSeconds"].items())
            rows.append(
                [run["sessions"], row["path"], row["deltas"], row["p50Ms"], row["p90Ms"], row["p99Ms"],
                 row["p999Ms"], row["maxMs"], row["missing"], row["outOfOrder"], row["server"]["maxOpenStreams"],
                 row["server"]["lateSends"], machine["busyCores"], ours]
            )
        notes.append(
            f"- {run['sessions']} sessions: added by the host (host path minus direct path at the same percentile, "
            f"an estimate) p50 {host_row['p50Ms'] - direct_row['p50Ms']:.3f} ms, "
            f"p99 {host_row['p99Ms'] - direct_row['p99Ms']:.3f} ms. Host CPU {host_row['hostCpuMsPer1000']} ms per "
            f"1,000 deltas, peak RSS {mib(host_row['hostVmHWMKiB'])} MiB. Duplicated events "
            f"{host_row['duplicates']}, parentId chain breaks {host_row['chainBreaks']}, sessions without "
            f"session.idle {host_row['noIdle']}."
        )
    caveat = (
        "\nLate sends are deltas the SSE server wrote more than 5 ms after their schedule, a sign that it was short "
        "of CPU. The busy figure comes from /proc/stat and can lag on a VM: read it as a rough sign of other load, "
        "not an exact total.\n\n"
    )
    return text + table(header, rows) + caveat + "\n".join(notes) + "\n"


def render_sessions(results):
    data = results["sessions"]
    rows = [
        ("Sessions, deltas each, delay between deltas", f"{data['sessions']}, {data['deltasPerSession']}, "
         f"{data['delayMs']} ms"),
        ("Wall time, first send to last session.idle", f"{data['wallSeconds']} s (one stream alone: "
         f"{data['idealSeconds']} s)"),
        ("First delta after the sends, p50 / max", f"{data['firstDeltaSecondsP50']} s / {data['firstDeltaSecondsMax']} s"),
        ("session.idle received", f"{data['idleSeen']} of {data['sessions']}"),
        ("VmRSS before the sends", f"{mib(data['vmRSSBeforeKiB'])} MiB"),
        ("Peak RSS (VmHWM)", f"{mib(data['vmHWMKiB'])} MiB"),
        ("VmRSS 1 s after the last idle", f"{mib(data['vmRSSAfterKiB'])} MiB"),
        ("Host CPU", f"{data['hostCpuSeconds']} s"),
        ("Sessions whose deltas did not rebuild one scripted reply", data["mismatched"]),
        ("Lost / extra deltas in those sessions", f"{data['lostDeltas']} / {data['extraDeltas']}"),
        ("Duplicated events", data["duplicates"]),
        ("parentId chain breaks (lost or reordered events)", data["chainBreaks"]),
        ("assistant.message not equal to its deltas", data["finalMismatch"]),
        ("Sessions not ending with session.idle", data["noIdle"]),
        ("session.error events", data["sessionErrors"]),
        ("Machine busy during the run", f"{data['machine']['busyCores']} cores"),
    ]
    return (
        f"### 5. {data['sessions']} concurrent streaming sessions in one host\n\n"
        f"{load_line(results, 'sessions')}" + table(["Measure", "Value"], rows)
    )


def render(results):
    parts = ["## Machine\n\n" + render_machine(results["machine"]), "## Results\n"]
    renderers = {
        "startup": render_startup,
        "idle": render_idle,
        "throughput": render_throughput,
        "latency": render_latency,
        "sessions": render_sessions,
    }
    for name, renderer in renderers.items():
        if name in results:
            parts.append(renderer(results))
    return "\n".join(parts)
