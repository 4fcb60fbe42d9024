"""The catalog announces what its detail page showed; a failure to count never breaks the page."""

from __future__ import annotations

import logging

from django.db import DatabaseError

from . import services

log = logging.getLogger(__name__)


def on_listing_shown(sender, listing, viewer, recommended=(), **kwargs) -> None:
    try:
        services.record_listing_shown(listing, viewer=viewer, recommended=list(recommended))
    except DatabaseError:  # counters are an aid: the page still renders
        log.exception("could not count the view of %s %s", sender.__name__, listing.pk)
