"""Turns the bench results (target/bench/*.jsonl) into the tables of BENCHMARKS.md, with each
figure's ratio to its target. Usage: bench_report.py DIR"""

import json
import sys
from pathlib import Path


def lines(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.exists() else []


def main() -> None:
    out = Path(sys.argv[1])
    cold = {c["name"]: c for c in lines(out / "cold.jsonl")}
    sizes = {s["name"]: s for s in lines(out / "size.jsonl")}
    hello = cold.get("hello-lambda", {})
    print("### Cold start, size and memory (mock Runtime API on loopback)\n")
    print("| function | status | init median (p90) ms | × hello | cold request median (p90) ms | × hello | warm mean ms | binary MB | zip MB | idle RSS MB | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, c in cold.items():
        s = sizes.get(name, {})
        init_ratio = c["initMedianMs"] / hello["initMedianMs"] if hello else 0
        cold_ratio = c["coldMedianMs"] / hello["coldMedianMs"] if hello else 0
        print(
            f"| {name} | {c['status']} | {c['initMedianMs']:.1f} ({c['initP90Ms']:.1f}) | {init_ratio:.2f} "
            f"| {c['coldMedianMs']:.1f} ({c['coldP90Ms']:.1f}) | {cold_ratio:.2f} | {c['warmMeanMs']:.2f} "
            f"| {s.get('binaryBytes', 0) / 1e6:.1f} | {s.get('zipBytes', 0) / 1e6:.2f} "
            f"| {c['idleRssKiB'] / 1024:.1f} | {c['peakRssKiB'] / 1024:.1f} |"
        )
    for server in lines(out / "server.jsonl"):
        batch, get_item = server["batchGetSecretValueMs"], server["getItemMs"]
        print(
            f"\nThe test server's own time for one call on a new connection (median of 100, a Python client): "
            f"BatchGetSecretValue of the four keys {batch:.2f} ms, GetItem {get_item:.2f} ms. Every HTTP "
            f"function makes the first in its init; without it, its init would be about "
            f"{min(c['initMedianMs'] for n, c in cold.items() if n not in ('hello-lambda', 'purge-expired')) - batch:.1f}–"
            f"{max(c['initMedianMs'] for n, c in cold.items() if n not in ('hello-lambda', 'purge-expired')) - batch:.1f} ms."
        )
    print("\n### In-process latency (embedded store, full router)\n")
    print("| route | status | p50 µs | p99 µs |")
    print("| --- | --- | --- | --- |")
    for l in lines(out / "latency.jsonl"):
        print(f"| `{l['route']}` | {l['status']} | {l['p50Us']:.0f} | {l['p99Us']:.0f} |")
    for f in lines(out / "flow.jsonl"):
        print("\n### Sign-up flow throughput\n")
        print(
            f"{f['flows']} flows with {f['clients']} clients on {f['cores']} cores: **{f['flowsPerSecond']:.2f} flows/s**; "
            f"argon2id floor {f['argon2HashesPerSecond']:.2f} hashes/s → {f['floorFlowsPerSecond']:.2f} flows/s; "
            f"ratio **{f['ratioToFloor']:.2f}** (target ≥ 0.8)."
        )


if __name__ == "__main__":
    main()
