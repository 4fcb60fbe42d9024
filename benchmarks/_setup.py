"""Shared set-up for benchmark scripts: a throwaway embedded database unless DATABASE_URL is set."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MENGKEJU_SHARED_DATA", ROOT.parent / "shared" / "data" / "tech-market"))


def django_with_fresh_db() -> Path:
    var = Path(tempfile.mkdtemp(prefix="mengkeju-bench-"))
    os.environ.setdefault("MENGKEJU_VAR_DIR", str(var))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return var
