"""HTTP serving load: `embedlab serve` under N concurrent clients on /v1/embeddings.

Starts the server in a subprocess on a free 127.0.0.1 port (embedding cache off unless
--cache), then runs --clients asyncio+httpx clients for --seconds, each posting
--texts-per-request short STS-B test sentences at a time and waiting for the answer.
Prints requests/s, texts/s, p50/p99 latency and the error count next to the in-process
`encode` rate of the same sentences (batch 32, same machine: the ceiling batching can reach);
writes JSON to benchmarks/results/serve-MODEL.json.

    python benchmarks/serve.py [--model all-MiniLM-L6-v2] [--clients 50] [--seconds 30]
                               [--texts-per-request 1] [--threads N] [--quantize int8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from embedlab import paths


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


def direct_rate(model: str, quantize: str | None, texts: list[str]) -> float:
    from embedlab.encoders import load_encoder

    enc = load_encoder(model, quantize=quantize, cache=False)
    enc.encode(texts[:64])
    start = time.perf_counter()
    enc.encode(texts[:1000], batch_size=32)
    return min(1000, len(texts)) / (time.perf_counter() - start)


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "embedlab", "serve", "--port", str(port),
           "--model", args.model]
    if args.quantize:
        cmd += ["--quantize", args.quantize]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if not args.cache:
        cmd.append("--no-cache")
    proc = subprocess.Popen(cmd)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not come up within 120 s")


async def load(base: str, args: argparse.Namespace, texts: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)

    async def client(seed: int, http: httpx.AsyncClient, stop: float) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop:
            body = {"model": args.model, "input": rng.sample(texts, args.texts_per_request)}
            start = time.perf_counter()
            try:
                resp = await http.post("/v1/embeddings", json=body)
                ok = resp.status_code == 200 and len(resp.json()["data"]) == len(body["input"])
                key = "ok" if ok else f"http {resp.status_code}"
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            if key == "ok":
                latencies.append(time.perf_counter() - start)
            else:
                errors[key] = errors.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        warm_stop = time.perf_counter() + 2
        await asyncio.gather(*(client(-i - 1, http, warm_stop) for i in range(args.clients)))
        latencies.clear()
        errors.clear()
        begin = time.perf_counter()
        stop = begin + args.seconds
        await asyncio.gather(*(client(i, http, stop) for i in range(args.clients)))
        elapsed = time.perf_counter() - begin
    lat = sorted(latencies)

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    return {"requests": len(lat), "seconds": elapsed, "requests_per_s": len(lat) / elapsed,
            "texts_per_s": len(lat) * args.texts_per_request / elapsed,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
            "errors": sum(errors.values()), "error_kinds": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--quantize", choices=["int8"], default=None)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--texts-per-request", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None, help="Server's ONNX Runtime threads.")
    ap.add_argument("--cache", action="store_true", help="Keep the server's embedding cache on.")
    args = ap.parse_args()

    texts = sts_sentences()
    ceiling = direct_rate(args.model, args.quantize, texts)
    port = free_port()
    server = start_server(args, port)
    try:
        result = asyncio.run(load(f"http://127.0.0.1:{port}", args, texts))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    threads = f", {args.threads} ORT thread(s)" if args.threads else ""
    print(f"embedlab serve {args.model}{' int8' if args.quantize else ''}{threads}: {args.clients} "
          f"clients x {args.seconds:.0f} s, {args.texts_per_request} text(s) per request, "
          f"{os.cpu_count()} cores (clients share them)")
    print(f"  requests/s      {result['requests_per_s']:9.1f}   ({result['requests']} requests)")
    print(f"  texts/s         {result['texts_per_s']:9.1f}   (in-process encode, batch 32: "
          f"{ceiling:.1f}; ratio {result['texts_per_s'] / ceiling:.2f})")
    print(f"  latency p50     {result['p50_ms']:9.1f} ms")
    print(f"  latency p99     {result['p99_ms']:9.1f} ms")
    print(f"  errors          {result['errors']:9d}   {result['error_kinds'] or ''}")
    suffix = f"{'-int8' * bool(args.quantize)}{f'-threads{args.threads}' if args.threads else ''}"
    out = Path(__file__).parent / "results" / f"serve-{args.model}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "model": args.model, "quantize": args.quantize, "clients": args.clients,
        "texts_per_request": args.texts_per_request, "cache": args.cache,
        "server_threads": args.threads,
        "cores": os.cpu_count(), "machine": platform.platform(),
        "direct_encode_texts_per_s": ceiling, **result}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
