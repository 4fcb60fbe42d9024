"""The engine is plain Python: importing it and every module in it loads no Django."""

import json
import os
import subprocess
import sys
from pathlib import Path

import mengkeju.retrieval

PACKAGE = Path(mengkeju.retrieval.__file__).parent
ROOT = PACKAGE.parents[1]

PROBE = """
import importlib, json, pkgutil, sys
import mengkeju.retrieval as engine
names = sorted(
    m.name
    for m in pkgutil.walk_packages(engine.__path__, "mengkeju.retrieval.")
    if ".tests" not in m.name  # the engine's own tests are not the engine
)
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "file": engine.__file__,
    "modules": names,
    "django": sorted(m for m in sys.modules if m == "django" or m.startswith("django.")),
}))
"""


def test_importing_the_engine_loads_no_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(found["file"]).parent == PACKAGE  # this checkout's engine, not an installed copy
    expected = {f"mengkeju.retrieval.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert expected <= set(found["modules"])
    assert found["django"] == []
