from pathlib import Path

import pytest

from mengkeju.licensing.tests.conftest import parties  # noqa: F401  (the licensing tests' cast, for activity sources)

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"


@pytest.fixture
def points_system(db):
    """The shipped indicator systems (regions/inner-mongolia/points.yaml)."""
    from mengkeju.points.services import load_points_system

    load_points_system(REGION_DIR)
