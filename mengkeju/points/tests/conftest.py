import pytest

from conftest import REGION_DIR


@pytest.fixture
def points_system(db):
    from mengkeju.points.services import load_points_system

    load_points_system(REGION_DIR)
