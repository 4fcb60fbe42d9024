"""Subscriptions: saving a search and notifying its owner of new matches."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.network.models import IndustryChain
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify_once

from .models import SavedSearch

MAX_SAVED_SEARCHES = 50


def save_search(user, *, kind: str, query: str, chain: str = "") -> SavedSearch:
    query = (query or "").strip()
    if kind not in SavedSearch.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Unknown kind of record."), code="unknown")})
    if not query:
        raise ValidationError({"query": ValidationError(_("Enter the words to watch for."), code="required")})
    if len(query) > 200:
        raise ValidationError(
            {"query": ValidationError(_("The query may be at most 200 characters."), code="too_long")}
        )
    if chain and not IndustryChain.objects.filter(code=chain).exists():
        raise ValidationError(
            {
                "chain": ValidationError(
                    _("Unknown industry chain %(code)s.") % {"code": chain}, code="unknown"
                )
            }
        )
    if user.saved_searches.count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You can keep at most %(n)s subscriptions.") % {"n": MAX_SAVED_SEARCHES}, code="limit_reached"
        )
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(user=user, kind=kind, query=query, chain=chain)
    except IntegrityError:
        return SavedSearch.objects.get(user=user, kind=kind, query=query, chain=chain)


def notify_matches(kind: str, record_ids: list[int], search) -> int:
    """For each saved search of this kind, notify its owner of records among `record_ids` that the
    search finds. `search(query) -> list of (record id, title)` runs the engine. Returns how many."""
    created = 0
    wanted = {int(i) for i in record_ids}
    url_name = f"catalog:{kind}-detail"
    for saved in SavedSearch.objects.filter(kind=kind).select_related("user"):
        for record_id, title, chain_codes in search(saved.query):
            if record_id not in wanted or (saved.chain and saved.chain not in chain_codes):
                continue
            url = reverse(url_name, args=[record_id])
            created += notify_once(
                saved.user,
                _("New match for “%(query)s”: %(title)s") % {"query": saved.query, "title": title},
                url,
                kind=Notification.Kind.SAVED_SEARCH,
                key=f"saved-search:{saved.pk}",
            )
    return created
