"""HTTP serving load: `embedlab serve` driven by `wrk` on POST /v1/embeddings.

Starts the server in a subprocess on a free 127.0.0.1 port (embedding cache off unless
--cache) and drives it with wrk (a C load generator: Python asyncio clients were the
bottleneck, ~136 req/s against 516 req/s from wrk on the same server). Request bodies are
OpenAI-shaped, ``{"model": ..., "input": [N texts]}``, built beforehand from STS-B test
sentences and cycled by a generated wrk Lua script, whose ``done()`` prints a JSON summary
(requests, errors = non-200 answers + socket errors, p50/p90/p99 latency, requests/s).
After each wrk run the script waits for the server to finish the requests wrk left queued,
so that no run starts behind the previous one's backlog.

Throughput mode (default): for each N in --texts-per-request, a short warm-up, then
--repeats wrk runs of --seconds each with --connections connections on --wrk-threads
threads. Reports the median (and min-max) of requests/s, texts/s, p50, p99 and errors, and
texts/s divided by the in-process ``encode`` rate of the same sentences, measured in the same
run before the server starts (median of --repeats):

* "batch-32 ceiling": ``encode(texts, batch_size=32)``, the most server-side batching can reach;
* "per-call batch N": one ``encode`` call per N-text request body, what a server that did no
  cross-request batching would reach.

Soak mode (--soak SECONDS): a --soak-burst of unpaced load at --connections first (so the
server has formed its largest batches, whose memory ONNX Runtime keeps), then one wrk run
paced by wrk's Lua ``delay()`` hook to about --rate
requests/s in total (first N of --texts-per-request), while a thread samples the server's
VmRSS from /proc/PID/status every --rss-interval s. Reports RSS after warm-up (the first
minute, or the first 20% of soaks shorter than 5 minutes) against the largest RSS afterwards
as growth %, plus errors and p50/p99; passes when growth <= 10% and there were 0 errors.

Both print a table and write JSON (with platform, core count and load average at start and
end, so a busy machine shows) to benchmarks/results/serve-wrk-MODEL.json (soak:
serve-wrk-soak-MODEL.json). The load generator shares the machine's cores with the server.

Setup (Debian/Ubuntu): ``sudo apt-get install wrk``; pull the model (``embedlab pull
all-MiniLM-L6-v2``) and the STS-B data the other benchmarks use. Then:

    # full measurement: 3 repeats x 1/8/64 texts per request, 30 s each (~5-6 min)
    python benchmarks/serve.py --texts-per-request 1,8,64 --connections 64 --seconds 30 \\
                               --repeats 3
    # 10-minute soak at ~100 requests/s (~11 min)
    python benchmarks/serve.py --soak 600 --rate 100
    # other knobs: --model NAME --quantize int8 --threads N (server ORT threads) --cache
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from embedlab import paths

MARKER = "EMBEDLAB_WRK_JSON "

# Lua for wrk. BODIES_FILE holds one JSON request body a line; each thread reads them all and
# cycles through them from its own offset. RATE > 0 paces each thread to RATE/THREADS
# requests/s through delay() (a schedule of evenly spaced slots; missed slots more than a
# second old are dropped rather than sent as a burst).
LUA_TEMPLATE = r"""
local BODIES_FILE = %(bodies)s
local RATE = %(rate)s
local THREADS = %(threads)d

local bodies = {}
for line in io.lines(BODIES_FILE) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local requests_built = {}

local counter = 0
non200 = 0  -- globals: done() reads them with thread:get
status_counts = {}
local thread_list = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  thread_list[#thread_list + 1] = thread
end

function init(args)
  -- built here, not at load time: wrk.init has set the Host header by now
  local headers = {["Content-Type"] = "application/json", ["Host"] = wrk.headers["Host"]}
  for i, b in ipairs(bodies) do
    requests_built[i] = wrk.format("POST", "/v1/embeddings", headers, b)
  end
  counter = (id or 0) * 7919
end

function request()
  counter = counter + 1
  return requests_built[(counter %% #requests_built) + 1]
end

function response(status, hdrs, body)
  if status ~= 200 then
    non200 = non200 + 1
    local key = tostring(status)
    status_counts[key] = (status_counts[key] or 0) + 1
  end
end

if RATE > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } embedlab_timespec;
    int clock_gettime(int clk_id, embedlab_timespec *tp);
  ]]
  local ts = ffi.new("embedlab_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 * THREADS / RATE
  local slot = nil
  function delay()
    local t = now_ms()
    if slot == nil or slot < t - 1000 then slot = t end
    local wait = slot - t
    slot = slot + interval
    if wait < 0 then return 0 end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  local bad = 0
  local kinds = {}
  for _, t in ipairs(thread_list) do
    bad = bad + (t:get("non200") or 0)
    local sc = t:get("status_counts")
    if sc then
      for k, v in pairs(sc) do kinds["http " .. k] = (kinds["http " .. k] or 0) + v end
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local parts = {}
  for k, v in pairs(kinds) do parts[#parts + 1] = string.format("%%q: %%d", k, v) end
  for _, k in ipairs({"connect", "read", "write", "timeout"}) do
    if e[k] > 0 then parts[#parts + 1] = string.format("%%q: %%d", k, e[k]) end
  end
  io.write(string.format(
    '%(marker)s{"requests": %%d, "seconds": %%.6f, "requests_per_s": %%.6f, ' ..
    '"errors": %%d, "non_200": %%d, "socket_errors": %%d, "error_kinds": {%%s}, ' ..
    '"p50_ms": %%.3f, "p90_ms": %%.3f, "p99_ms": %%.3f, "mean_ms": %%.3f, "max_ms": %%.3f}\n',
    summary.requests, seconds, summary.requests / seconds,
    bad + socket_errors, bad, socket_errors, table.concat(parts, ", "),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000))
end
"""


def sts_sentences() -> list[str]:
    path = paths.data_dir() / "sts" / "stsbenchmark" / "sts-test.csv"
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 7:
            out += [fields[5], fields[6]]
    return list(dict.fromkeys(t for t in out if t.strip()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def make_bodies(texts: list[str], n: int, seed: int = 0) -> list[list[str]]:
    """Request inputs of n texts each: the sentences shuffled and chunked, enough bodies to
    use every sentence at least once (and at least 256 bodies)."""
    rng = random.Random(seed)
    count = max(256, math.ceil(len(texts) / n))
    pool: list[str] = []
    while len(pool) < count * n:
        chunk = texts[:]
        rng.shuffle(chunk)
        pool += chunk
    return [pool[i * n:(i + 1) * n] for i in range(count)]


def direct_rates(encoder: Any, bodies: list[list[str]], target: int = 1024) -> tuple[float, float]:
    """(batch-32 texts/s, per-call batch-N texts/s) for the texts of the first bodies."""
    n = len(bodies[0])
    use = bodies[:max(1, math.ceil(target / n))]
    flat = [t for b in use for t in b]
    start = time.perf_counter()
    encoder.encode(flat, batch_size=32)
    batched = len(flat) / (time.perf_counter() - start)
    start = time.perf_counter()
    for b in use:
        encoder.encode(b, batch_size=n)
    per_call = len(flat) / (time.perf_counter() - start)
    return batched, per_call


def start_server(args: argparse.Namespace, port: int, log: Any) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "embedlab", "serve", "--port", str(port),
           "--model", args.model]
    if args.quantize:
        cmd += ["--quantize", args.quantize]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if not args.cache:
        cmd.append("--no-cache")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}; log: {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not come up within 120 s; log: {log.name}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_wrk(url: str, bodies: list[list[str]], args: argparse.Namespace, seconds: float,
            workdir: Path, rate: float = 0.0) -> dict[str, Any]:
    bodies_file = workdir / f"bodies-{len(bodies[0])}.jsonl"
    if not bodies_file.exists():
        bodies_file.write_text("".join(
            json.dumps({"model": args.model, "input": b}) + "\n" for b in bodies))
    script = workdir / "load.lua"
    script.write_text(LUA_TEMPLATE % {
        "bodies": lua_string(str(bodies_file)), "rate": repr(float(rate)),
        "threads": args.wrk_threads, "marker": MARKER})
    cmd = [args.wrk, "-t", str(args.wrk_threads), "-c", str(args.connections),
           "-d", f"{max(1, round(seconds))}s", "--timeout", f"{max(1, round(args.timeout))}s",
           "-s", str(script), url]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=seconds + args.timeout + 60)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER):])
            return result
    raise SystemExit(f"wrk gave no summary (exit {proc.returncode}):\n{proc.stdout}\n"
                     f"{proc.stderr}")


def drain(url: str, args: argparse.Namespace) -> None:
    """Wait until the server has answered what wrk left queued when it stopped: the server
    finishes requests whose client went away, so without this a run would start behind the
    previous run's backlog (seconds of work at 64 texts per request). Requests of one model
    are answered in order, so one more request returns only after the backlog."""
    httpx.post(url, json={"model": args.model, "input": ["drain"]},
               timeout=args.timeout + 120).raise_for_status()


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def machine_info() -> dict[str, Any]:
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpu_count": os.cpu_count(), "processor": platform.processor() or None}


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt(s: dict[str, float], digits: int = 1) -> str:
    if s["min"] == s["max"]:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def throughput(args: argparse.Namespace, texts: list[str], url: str, workdir: Path,
               sizes: list[int], direct: dict[int, tuple[list[float], list[float]]]
               ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in sizes:
        bodies = make_bodies(texts, n)
        if args.warmup > 0:
            run_wrk(url, bodies, args, args.warmup, workdir)
            drain(url, args)
        runs = []
        for r in range(args.repeats):
            res = run_wrk(url, bodies, args, args.seconds, workdir)
            drain(url, args)
            res["texts_per_s"] = res["requests_per_s"] * n
            runs.append(res)
            print(f"  N={n:<3d} run {r + 1}/{args.repeats}: {res['requests_per_s']:.1f} req/s, "
                  f"{res['texts_per_s']:.1f} texts/s, p50 {res['p50_ms']:.1f} ms, "
                  f"p99 {res['p99_ms']:.1f} ms, errors {res['errors']}", flush=True)
        batched = statistics.median(direct[n][0])
        per_call = statistics.median(direct[n][1])
        tps = spread([r["texts_per_s"] for r in runs])
        rows.append({
            "texts_per_request": n, "runs": runs,
            "requests_per_s": spread([r["requests_per_s"] for r in runs]),
            "texts_per_s": tps,
            "p50_ms": spread([r["p50_ms"] for r in runs]),
            "p99_ms": spread([r["p99_ms"] for r in runs]),
            "errors": spread([float(r["errors"]) for r in runs]),
            "direct_batch32_texts_per_s": spread(direct[n][0]),
            "direct_per_call_texts_per_s": spread(direct[n][1]),
            "ratio_vs_batch32": tps["median"] / batched,
            "ratio_vs_per_call": tps["median"] / per_call,
            # the reference the brief asks for: batch-32 ceiling at N=1, batch N otherwise
            "ratio": tps["median"] / (batched if n == 1 else per_call),
        })
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (f"{'N':>3}  {'requests/s':>20}  {'texts/s':>24}  {'p50 ms':>20}  "
            f"{'p99 ms':>20}  {'errors':>6}  {'enc b32/s':>9}  {'enc bN/s':>9}  "
            f"{'÷b32':>5}  {'÷bN':>5}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['texts_per_request']:>3}  {fmt(r['requests_per_s']):>20}  "
              f"{fmt(r['texts_per_s']):>24}  {fmt(r['p50_ms']):>20}  {fmt(r['p99_ms']):>20}  "
              f"{r['errors']['median']:>6.0f}  "
              f"{r['direct_batch32_texts_per_s']['median']:>9.1f}  "
              f"{r['direct_per_call_texts_per_s']['median']:>9.1f}  "
              f"{r['ratio_vs_batch32']:>5.2f}  {r['ratio_vs_per_call']:>5.2f}")
    print("median (min-max) over repeats; enc b32/s = in-process encode, batch 32 (the ceiling "
          "batching can reach);\nenc bN/s = in-process encode, one call per N-text body; "
          "÷b32 / ÷bN = server texts/s divided by each.")


def soak(args: argparse.Namespace, texts: list[str], url: str, workdir: Path,
         server: subprocess.Popen[bytes]) -> dict[str, Any]:
    n = args.sizes[0]
    bodies = make_bodies(texts, n)
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    begin = time.monotonic()

    def sample() -> None:
        while True:
            kib = rss_kib(server.pid)
            if kib is not None:
                samples.append((time.monotonic() - begin, kib))
            if stop.wait(args.rss_interval):
                break

    # one request first, so the model is loaded before the paced run starts; then a burst at
    # full concurrency, so that the server has formed its largest batches (ONNX Runtime keeps
    # the memory of the largest shapes it has run) before the paced run is sampled: the soak
    # looks for growth beyond that, a leak, not for the first large batch
    httpx.post(url, json={"model": args.model, "input": bodies[0]}, timeout=120)
    if args.soak_burst > 0:
        run_wrk(url, bodies, args, args.soak_burst, workdir)
        drain(url, args)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        res = run_wrk(url, bodies, args, args.soak, workdir, rate=args.rate)
    finally:
        stop.set()
        sampler.join()
    warmup = 60.0 if args.soak >= 300 else 0.2 * args.soak
    after_warm = [s for s in samples if s[0] >= warmup]
    if len(after_warm) < 2:
        raise SystemExit(f"too few RSS samples after the {warmup:.0f} s warm-up "
                         f"({len(samples)} in all); soak longer or lower --rss-interval")
    base_t, base = after_warm[0]
    peak = max(kib for _, kib in after_warm[1:])
    growth = (peak - base) / base * 100
    passed = growth <= 10.0 and res["errors"] == 0
    return {"texts_per_request": n, "target_rate": args.rate, "seconds": args.soak,
            "warmup_s": warmup, "rss_after_warmup_kib": base, "rss_after_warmup_at_s": base_t,
            "rss_max_after_kib": peak, "rss_growth_pct": growth,
            "burst_s": args.soak_burst,
            "rss_samples": [{"t_s": round(t, 1), "kib": k} for t, k in samples],
            "pass": passed, **res}


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--quantize", choices=["int8"], default=None)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2).")
    ap.add_argument("--seconds", type=float, default=30.0, help="Length of each wrk run.")
    ap.add_argument("--warmup", type=float, default=2.0,
                    help="Unmeasured wrk run before each N, seconds (0: none).")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--texts-per-request", default="1,8,64",
                    help="Comma-separated N values (soak uses the first).")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="wrk's per-request timeout, seconds (a timeout counts as an error).")
    ap.add_argument("--threads", type=int, default=None, help="Server's ONNX Runtime threads.")
    ap.add_argument("--cache", action="store_true", help="Keep the server's embedding cache on.")
    ap.add_argument("--soak", type=float, default=None, metavar="SECONDS",
                    help="Soak mode: one paced wrk run of this length, sampling server RSS.")
    ap.add_argument("--rate", type=float, default=100.0,
                    help="Soak: total requests/s to aim for (default 100).")
    ap.add_argument("--rss-interval", type=float, default=5.0,
                    help="Soak: seconds between RSS samples (default 5).")
    ap.add_argument("--soak-burst", type=float, default=20.0,
                    help="Soak: seconds of unpaced load at --connections before the paced run "
                         "(the server's largest batches; 0: none).")
    ap.add_argument("--wrk", default=None, help="Path to wrk (default: found on PATH).")
    args = ap.parse_args()
    args.sizes = [int(s) for s in str(args.texts_per_request).split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1:
        ap.error("--texts-per-request needs positive integers, e.g. 1,8,64")
    if args.repeats < 1 or args.connections < 1 or args.wrk_threads < 1:
        ap.error("--repeats, --connections and --wrk-threads must be >= 1")
    if args.connections < args.wrk_threads:
        ap.error("--connections must be at least --wrk-threads")
    if args.soak is not None and (args.soak <= 0 or args.rate <= 0):
        ap.error("--soak and --rate must be positive")
    return args


def main() -> None:
    args = parse_args()
    args.wrk = args.wrk or shutil.which("wrk")
    if not args.wrk or not os.access(args.wrk, os.X_OK):
        raise SystemExit("wrk not found: this benchmark drives the server with wrk. Install it "
                         "with `sudo apt-get install wrk` (Debian/Ubuntu), or pass --wrk PATH.")
    version = subprocess.run([args.wrk, "--version"], capture_output=True, text=True)
    wrk_version = (version.stdout + version.stderr).splitlines()[0].strip()
    load_start = os.getloadavg()
    started = time.time()
    texts = sts_sentences()

    direct: dict[int, tuple[list[float], list[float]]] = {}
    if args.soak is None:
        from embedlab.encoders import load_encoder

        enc = load_encoder(args.model, quantize=args.quantize, cache=False,
                           threads=args.threads)
        enc.encode(texts[:512], batch_size=32)  # warm-up
        for n in args.sizes:
            bodies = make_bodies(texts, n)
            batched, per_call = [], []
            for _ in range(args.repeats):
                b, p = direct_rates(enc, bodies)
                batched.append(b)
                per_call.append(p)
            direct[n] = (batched, per_call)
            print(f"in-process encode, N={n}: batch 32 {statistics.median(batched):.1f} "
                  f"texts/s, per-call batch {n} {statistics.median(per_call):.1f} texts/s",
                  flush=True)
        del enc

    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/embeddings"
    with tempfile.TemporaryDirectory(prefix="embedlab-wrk-") as tmp:
        workdir = Path(tmp)
        log = (workdir / "server.log").open("wb")
        server = start_server(args, port, log)
        try:
            if args.soak is None:
                rows = throughput(args, texts, url, workdir, args.sizes, direct)
                soak_result = None
            else:
                soak_result = soak(args, texts, url, workdir, server)
        finally:
            stop_server(server)
            log.close()
    load_end = os.getloadavg()

    threads = f", {args.threads} ORT thread(s)" if args.threads else ""
    model = f"{args.model}{' int8' if args.quantize else ''}{threads}"
    info = {"model": args.model, "quantize": args.quantize, "cache": args.cache,
            "server_threads": args.threads, "connections": args.connections,
            "wrk_threads": args.wrk_threads, "wrk": wrk_version,
            "machine": machine_info(), "load_average_start": list(load_start),
            "load_average_end": list(load_end), "started": time.strftime(
                "%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "wall_s": time.time() - started}
    loads = (f"load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at end, "
             f"{os.cpu_count()} cores (wrk shares them with the server)")
    suffix = f"{'-int8' * bool(args.quantize)}{f'-threads{args.threads}' if args.threads else ''}"
    results = Path(__file__).parent / "results"
    results.mkdir(parents=True, exist_ok=True)
    if soak_result is None:
        print(f"\nembedlab serve {model}: wrk {args.connections} connections / "
              f"{args.wrk_threads} threads, {args.seconds:g} s x {args.repeats}; {loads}")
        print_table(rows)
        out = results / f"serve-wrk-{args.model}{suffix}.json"
        payload: dict[str, Any] = {**info, "seconds": args.seconds, "repeats": args.repeats,
                                   "warmup_s": args.warmup, "results": rows}
    else:
        s = soak_result
        print(f"\nembedlab serve {model} soak: {args.soak:g} s at ~{args.rate:g} req/s "
              f"({s['texts_per_request']} text(s)/request, {args.connections} connections); "
              f"{loads}")
        print(f"  requests/s      {s['requests_per_s']:9.1f}   ({s['requests']} requests)")
        print(f"  latency p50     {s['p50_ms']:9.1f} ms")
        print(f"  latency p99     {s['p99_ms']:9.1f} ms")
        print(f"  errors          {s['errors']:9d}   {s['error_kinds'] or ''}")
        print(f"  RSS after warm-up ({s['warmup_s']:.0f} s) {s['rss_after_warmup_kib'] / 1024:.1f} "
              f"MiB, max afterwards {s['rss_max_after_kib'] / 1024:.1f} MiB: growth "
              f"{s['rss_growth_pct']:+.1f}% ({len(s['rss_samples'])} samples)")
        print(f"  {'PASS' if s['pass'] else 'FAIL'}: RSS growth {s['rss_growth_pct']:+.1f}% "
              f"(limit 10%), {s['errors']} errors (limit 0)")
        out = results / f"serve-wrk-soak-{args.model}{suffix}.json"
        payload = {**info, "soak": soak_result}
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {out}")
    if soak_result is not None and not soak_result["pass"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
