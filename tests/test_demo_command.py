"""The README's first command: `jamforaren demo` creates the SQLite database, loads demo data and serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from jamforaren.paths import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("JAMFORAREN_TEST_POSTGRES")),
                    reason="the demo command always runs on SQLite; tested in the SQLite pass")
def test_demo_command_serves_the_portal_with_demo_data(tmp_path: Path):
    port = free_port()
    script = Path(sys.executable).parent / "jamforaren"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "jamforaren.cli"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JAMFORAREN_", "DATABASE_URL"))}
    environment["JAMFORAREN_INSTANCE_PATH"] = str(tmp_path)
    process = subprocess.Popen([*command, "demo", "--port", str(port)], cwd=PROJECT_ROOT, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/kundval/forskola", timeout=5) as response:
                    page = response.read().decode("utf-8")
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the demo portal did not start"
                time.sleep(0.5)
        assert "<h1>Förskola</h1>" in page
        assert "enheter är auktoriserade" in page
        assert "påhittade" in page
        assert (tmp_path / "jamforaren.sqlite3").stat().st_size > 1_000_000
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()
