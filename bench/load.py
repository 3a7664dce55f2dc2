"""bench/run's load driver, in a process of its own: C threads, each with a keep-alive connection,
request the URLs of a file (cycling) for D seconds; prints JSON: requests, errors, latencies (ms)."""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--urls", required=True, help="a file with one path per line")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    paths = [line.strip() for line in open(args.urls, encoding="utf-8") if line.strip()]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + args.duration

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine, problems, i = [], [], offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    problems.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as error:
                problems.append(f"{type(error).__name__} {path}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors.extend(problems)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump({"requests": len(latencies), "seconds": time.perf_counter() - started, "errors": len(errors),
               "error_samples": errors[:5], "latencies_ms": latencies}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
