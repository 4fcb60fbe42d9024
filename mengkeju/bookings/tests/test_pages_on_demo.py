"""Every bookings page, as every demo role and in both languages, on the full demo: answers 200, 302, 403
or 404 (never a server error) and shows labels, never a stored code (a status such as `settled`, a kind
such as `pilot_run`). The site-wide crawl (portal/tests/test_every_page_answers.py) reaches these pages
through the navigation; this one visits each booking and offering."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User
from mengkeju.portal.tests.test_every_page_answers import NAV, _code_pattern, visible_text

from ..models import Booking, BookingAction, BookingStatus, Offering, OfferingKind

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ROLES = [None, "hq", "subcenter", "broker", "enterprise", "researcher", "expert", "analyst", "admin"]


@pytest.fixture
def demo():
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


def test_bookings_pages_answer_for_every_role_and_show_no_codes(demo):
    codes = {c for c in [*BookingStatus.values, *BookingAction.values, *OfferingKind.values] if len(c) > 3}
    patterns = {"zh-hans": _code_pattern(codes), "en": _code_pattern({c for c in codes if "_" in c})}
    urls = ["/bookings/", "/bookings/mine/", "/bookings/dashboard/", "/bookings/dashboard.xlsx"]
    urls += [f"/bookings/offerings/{pk}/" for pk in Offering.objects.values_list("pk", flat=True)]
    urls += [f"/bookings/{pk}/" for pk in Booking.objects.values_list("pk", flat=True)]
    urls += [
        f"/bookings/{pk}/report/"
        for pk in Booking.objects.exclude(report="").values_list("pk", flat=True)[:3]
    ]
    platforms = set(Offering.objects.exclude(platform=None).values_list("platform_id", flat=True))
    urls += [f"/bookings/platforms/{pk}/record/" for pk in platforms] + [
        f"/platforms/{pk}/" for pk in platforms
    ]
    problems = []
    for language in ("zh-hans", "en"):
        for username in ROLES:
            client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
            if username:
                client.force_login(User.objects.get(username=username))
            for url in urls:
                response = client.get(url)
                if response.status_code not in (200, 302, 403, 404):
                    problems.append((username, language, url, response.status_code))
                    continue
                if not response["Content-Type"].startswith("text/html"):
                    continue
                body = response.content.decode()
                if response.status_code >= 400 and NAV not in body:
                    problems.append((username, language, url, "bare error page"))
                found = sorted(set(patterns[language].findall(visible_text(body))))
                if found:
                    problems.append((username, language, url, found))
    assert problems == []
