"""Shared fixtures: the shipped region pack is loaded once per test database."""

import os
from pathlib import Path

import pytest

REGION_DIR = Path(__file__).parent / "regions" / "inner-mongolia"
SHARED_DATA = Path(
    os.environ.get("MENGKEJU_SHARED_DATA", Path(__file__).parent.parent / "shared" / "data" / "tech-market")
)


def load_base_data():
    from mengkeju.catalog.models import CooperationMode
    from mengkeju.catalog.modes import seed_modes
    from mengkeju.network.services import load_region_pack

    seed_modes(CooperationMode)
    load_region_pack(REGION_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_base_data()


@pytest.fixture
def base_data(transactional_db):
    """Transactional tests (live server) start from emptied tables: load the region pack and modes again."""
    load_base_data()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "achievements.jsonl").is_file():
        pytest.skip(f"public tech-market listings not found at {SHARED_DATA} (set MENGKEJU_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for production; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orgs(db):
    from mengkeju.network.models import Organization
    from mengkeju.network.tests.factories import OrganizationFactory

    """Two enterprises in Baotou (150200) and the network nodes serving Baotou and Chifeng."""
    baotou_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    chifeng_sub = Organization.objects.get(kind="sub_center", serves_divisions__code="150400")
    return {
        "enterprise": OrganizationFactory(name="包头示例磁材有限公司"),
        "other_enterprise": OrganizationFactory(name="另一家企业"),
        "baotou_sub": baotou_sub,
        "chifeng_sub": chifeng_sub,
        "hq": Organization.objects.get(kind="headquarters"),
    }


@pytest.fixture
def people(orgs):
    from mengkeju.network.models import User
    from mengkeju.network.tests.factories import UserFactory

    Role = User.Role
    return {
        "anonymous": None,
        "expert": UserFactory(role=Role.EXPERT),
        "owner": UserFactory(role=Role.MEMBER, organization=orgs["enterprise"]),
        "other_member": UserFactory(role=Role.MEMBER, organization=orgs["other_enterprise"]),
        "staff_in_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["baotou_sub"]),
        "staff_out_of_scope": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["chifeng_sub"]),
        "broker_in_scope": UserFactory(role=Role.BROKER, organization=orgs["baotou_sub"]),
        "hq_operator": UserFactory(role=Role.HQ_OPERATOR, organization=orgs["hq"]),
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=orgs["hq"]),
    }


@pytest.fixture
def job_queue(monkeypatch):
    """A function that runs the queued background jobs, as `mengkeju worker` would."""
    from mengkeju.jobs import testing

    return testing.job_queue(monkeypatch)


@pytest.fixture(autouse=True)
def matching_sandbox(settings, tmp_path):
    """Each test gets its own index folder, the instant hashing embedder and synchronous updates."""
    from mengkeju.matching.adapter import store

    settings.MATCHING_EMBEDDER = "hashing"
    settings.MATCHING_SYNC = True
    settings.MATCHING_INDEX_DIR = tmp_path / "index"
    settings.MATCHING_CACHE_DIR = tmp_path / "embedding-cache"
    store.reset()
    yield
    store.reset()
