"""Peak memory of local-api under parallel sign-ins of unknown usernames (each costs one argon2id
verification against the decoy hash, 19 MiB).

Usage: signin_flood.py LOCAL_API_BINARY [PARALLEL]
Starts the binary on a free loopback port, waits for /healthz, sends PARALLEL (default 150) sign-ins
at once (distinct unknown usernames, so no lockout interferes), and prints one JSON line: the
statuses, the wall time, and the process's peak resident set (VmHWM) before and after. Bounded: one
round of requests with a 120 s timeout each; the server is stopped at the end.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    binary = sys.argv[1]
    parallel = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    port = free_port()
    env = dict(os.environ, PORT=str(port), RUST_LOG="warn")
    env.pop("DYNAMODB_ENDPOINT", None)
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("local-api exited")
                time.sleep(0.05)
        before = peak_rss_kib(server.pid)
        statuses = []
        lock = threading.Lock()
        start = threading.Barrier(parallel)

        def sign_in(n):
            body = json.dumps({"username": f"nobody{n:04d}", "password": "Not-The-Password-9"}).encode()
            request = urllib.request.Request(
                f"{base}/v1/sessions", data=body, headers={"content-type": "application/json"}, method="POST"
            )
            start.wait()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(parallel)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        after = peak_rss_kib(server.pid)
        counts = {str(s): statuses.count(s) for s in sorted(set(statuses))}
        print(json.dumps({
            "parallel": parallel,
            "statuses": counts,
            "seconds": round(elapsed, 2),
            "peak_rss_mib_before": round(before / 1024, 1),
            "peak_rss_mib_after": round(after / 1024, 1),
        }))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
