"""The workspace on the demo data, as each role sees it: one "nothing here" line per panel and only when
the whole panel is empty, the registrations waiting for a registrar, the broker's deals with the overdue
follow-ups first."""

import re

import pytest
from django.test import Client

from mengkeju.deals import selectors as deal_selectors
from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User

pytestmark = pytest.mark.django_db
ROLES = ["hq", "subcenter", "broker", "enterprise", "researcher", "expert", "analyst", "admin"]


def panel(html: str, panel_id: str) -> str:
    start = html.index(f'id="{panel_id}"')
    following = html.find('<div class="col-lg-6">', start)
    return html[start : following if following != -1 else len(html)]


@pytest.fixture
def pages():
    load_demo()
    result = {}
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        response = client.get("/workspace/")
        assert response.status_code == 200, username
        result[username] = response.content.decode()
    return result


def test_workspace_panels_on_the_demo(pages):
    for username, html in pages.items():
        # An "empty" line never sits beside items, and never twice in a panel.
        for panel_id in ("my-drafts", "my-records", "review-queue"):
            if f'id="{panel_id}"' not in html:
                continue
            part = panel(html, panel_id)
            rows = part.count("<tr>")
            empties = part.count("data-empty")
            assert empties <= 1, (username, panel_id)
            assert not (rows and empties), (username, panel_id, "an empty line above a list")
        assert html.count("暂无草稿") <= 1, username

    # HQ sees the pending registrations it may decide.
    hq = User.objects.get(username="hq")
    waiting = deal_selectors.registration_queue(hq)
    assert waiting.count() >= 1
    registrations = panel(pages["hq"], "registration-queue")
    assert f"data-count>{waiting.count()}<" in registrations
    for registration in waiting:
        assert f'data-registration="{registration.pk}"' in registrations
    # Only registrars get that panel.
    for username in ("broker", "enterprise", "researcher", "expert", "analyst"):
        assert 'id="registration-queue"' not in pages[username], username

    # The broker's open deals, with the overdue follow-ups first and flagged.
    broker = User.objects.get(username="broker")
    due = deal_selectors.follow_up()
    overdue = deal_selectors.overdue_deals(deal_selectors.visible_deals(broker), due)
    assert overdue.count() >= 1
    deals = panel(pages["broker"], "my-deals")
    shown = re.findall(r'data-deal="(\d+)"( data-overdue)?', deals)
    assert shown, "the broker's workspace shows no deals"
    flags = [bool(flag) for _pk, flag in shown]
    assert flags == sorted(flags, reverse=True), "overdue deals come first"
    assert {int(pk) for pk, flag in shown if flag} == set(overdue.values_list("pk", flat=True))
    assert f"data-overdue-count>{overdue.count()}" in deals
    for username in ("enterprise", "researcher", "expert", "analyst"):
        assert 'id="my-deals"' not in pages[username], username
