"""Many browsers at once against a served Lantern (issue 20): errors (aim: none) and latency under load.

    .venv/bin/python -m bench.load [--database-url URL] [--clients 20 50] [--seconds 60]

Serves the demo (built into the database when it is empty; by default a new SQLite file under bench/out/) with `lantern serve` in its own process, signs in as finance, and requests the children list, a
child's page, the invoices list and an invoice's PDF. The baseline is the same requests one at a time, in the same
run; then for each number of clients, every client requests the four pages in turn for the given time. The first
round (cold) is run straight after the server starts, before any PDF has been viewed; the second (warm) after.
Prints, per round: requests, errors (a status of 500 or more, or no answer), p50 and p95 latency and their ratio
to the baseline's.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from lantern.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LANTERN = Path(sys.executable).with_name("lantern")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(url: str, data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "LANTERN_DATA_DIR": str(data_dir),
           "LANTERN_SECRET_KEY": os.environ.get("LANTERN_SECRET_KEY", "bench-load-secret")}
    subprocess.run([str(LANTERN), "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([str(LANTERN), "demo", "--if-empty"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([str(LANTERN), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "email": "finance@willow.example",
                                         "password": DEMO_PASSWORD})
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in: {answer.status_code}")
    return client


def pages(client: httpx.Client) -> tuple[list[str], list[str]]:
    """The three pages, and every invoice's PDF (under load each request for a PDF takes the next invoice, so the
    cold round asks for many PDFs nobody has viewed yet, at once)."""
    child = client.get("/api/children").json()["children"][0]["id"]
    months = [f"{year}-{month:02d}" for year, month in [(2026, m) for m in range(4, 13)] + [(2027, 1), (2027, 2)]]
    issued = [document for month in months
              for document in client.get("/api/invoices", params={"month": month}).json()]
    pdfs = [f"/invoices/{document['id']}/pdf" for document in issued]
    return ["/children", f"/children/{child}", "/invoices"], pdfs


def one_at_a_time(client: httpx.Client, urls: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for url in urls:
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
    return times


def under_load(base: str, cookies, urls: list[str], pdfs: list[str], clients: int,
               seconds: float) -> tuple[list[float], dict[str, int]]:
    times: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def browse(offset: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:
            turn = offset
            while time.monotonic() < until:
                place = turn % (len(urls) + 1)
                url = urls[place] if place < len(urls) else pdfs[(turn // (len(urls) + 1)) % len(pdfs)]
                turn += 1
                started = time.perf_counter()
                try:
                    status = client.get(url).status_code
                    failed = str(status) if status >= 500 else None
                except httpx.HTTPError as exc:
                    failed = type(exc).__name__
                took = time.perf_counter() - started
                with lock:
                    times.append(took)
                    if failed:
                        what = f"{failed} on {'a PDF' if url.endswith('/pdf') else url.split('/')[1]}"
                        errors[what] = errors.get(what, 0) + 1

    threads = [threading.Thread(target=browse, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def _kinds(errors: dict[str, int]) -> str:
    return f" ({', '.join(f'{count} {what}' for what, count in sorted(errors.items()))})" if errors else ""


def p(times: list[float], percent: int) -> float:
    return statistics.quantiles(times, n=100)[percent - 1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a new SQLite file, bench/out/load.db, made afresh each run")
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url, data_dir = args.database_url, out / "load-data"
    if url is None:
        for old in out.glob("load.db*"):
            old.unlink()
        shutil.rmtree(data_dir, ignore_errors=True)
        url = f"sqlite:///{out / 'load.db'}"
    port = free_port()
    server = serve(url, data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        client = signed_in(base)
        urls, pdfs = pages(client)
        engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{engine}: {', '.join(urls)} and the PDFs of {len(pdfs)} invoices")
        for label in ("cold", "warm"):
            baseline = one_at_a_time(client, [*urls, pdfs[0]], 5)
            b50, b95 = p(baseline, 50), p(baseline, 95)
            print(f"  {label}: one at a time, {len(baseline)} requests: p50 {b50 * 1000:.0f} ms, "
                  f"p95 {b95 * 1000:.0f} ms")
            for clients in args.clients:
                times, errors = under_load(base, client.cookies, urls, pdfs, clients, args.seconds)
                print(f"  {label}: {clients} clients for {args.seconds:g} s: {len(times)} requests, "
                      f"{sum(errors.values())} errors{_kinds(errors)}, "
                      f"p50 {p(times, 50) * 1000:.0f} ms = {p(times, 50) / b50:.1f}x, "
                      f"p95 {p(times, 95) * 1000:.0f} ms = {p(times, 95) / b95:.1f}x")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
