"""The demo data set (YAML in `data/`, see data/FORMAT.md) and its loaders."""

from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
