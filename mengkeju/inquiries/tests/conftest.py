import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

PDF = b"%PDF-1.4\n" + b"x" * 200


def pdf(name="spec.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cast(people, orgs):
    """The thread's people and the outsiders. The achievement (Baotou, rare-earth magnets) belongs to a
    university and is routed to the Baotou sub-center; the enterprise inquires."""
    university = OrganizationFactory(name="内蒙古示例大学", kind=Organization.Kind.UNIVERSITY)
    return {
        **people,
        "buyer": people["owner"],
        "buyer_colleague": UserFactory(role=User.Role.MEMBER, organization=orgs["enterprise"]),
        "researcher": UserFactory(role=User.Role.MEMBER, organization=university),
        "university": university,
    }


@pytest.fixture
def achievement(cast):
    return AchievementFactory(owner=cast["university"])


@pytest.fixture
def thread(cast, achievement):
    from mengkeju.inquiries import services

    return services.send_inquiry(
        "achievement",
        achievement,
        by=cast["buyer"],
        body="我们想了解该技术的许可条件。",
        budget_min="100000",
        budget_max="500000",
        uploads=[pdf()],
    )
