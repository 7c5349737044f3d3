"""`specbook serve` prints its address only once a client can connect to it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO


def test_the_printed_address_accepts_a_connection_at_once(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", book)
    proc = subprocess.Popen(
        [sys.executable, "-m", "specbook", "serve", "--port", "0"],
        cwd=book,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline().decode()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        # one attempt, straight after the line: refused if the port were not listened on yet
        with socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=30) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            conn.settimeout(30)
            reply = b""
            deadline = time.monotonic() + 30
            while not reply.endswith(b"\r\n\r\n") and b"\r\n\r\n" not in reply:
                chunk = conn.recv(4096)
                if not chunk or time.monotonic() > deadline:
                    break
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 "), reply[:200]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
