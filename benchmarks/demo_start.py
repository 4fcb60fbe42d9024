"""From an installed checkout with no database to a server answering `/`: the demo's start-up time."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MENGKEJU = ROOT / ".venv" / "bin" / "mengkeju"
port = int(os.environ.get("PORT", "8765"))
env = {
    **os.environ,
    "MENGKEJU_VAR_DIR": tempfile.mkdtemp(prefix="mengkeju-demo-"),
    "PORT": str(port),
    "MENGKEJU_DEMO": "1",
}
env.pop("DATABASE_URL", None)

started = time.perf_counter()
server = subprocess.Popen(
    [str(MENGKEJU), "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
)
url = None
try:
    for line in server.stdout:
        sys.stdout.write("  | " + line)
        if "http://" in line:
            url = line[line.index("http://") :].strip()
            break
    ready_line = time.perf_counter() - started
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode()
                break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    first_answer = time.perf_counter() - started
    print(
        f"URL printed after {ready_line:.1f} s; first page answered after {first_answer:.1f} s "
        f"(status {response.status}, {'contains 蒙科聚' if '蒙科聚' in body else 'no Chinese title'})"
    )
finally:
    server.terminate()
    server.wait(timeout=10)
