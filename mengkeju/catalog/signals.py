"""Signals other apps listen to (e.g. the matching index).

`listings_changed` is sent inside the transaction that changed the records: a receiver writes what it
needs (the index outbox) in the same transaction and must not do slow work there."""

from django.dispatch import Signal

# sender: the model class; kwargs: ids (list of primary keys whose content or status changed)
listings_changed = Signal()

# A detail page was shown. sender: the model class; kwargs: listing, viewer (the user, maybe anonymous),
# recommended (the counterpart listings shown among its recommendations, best first), origin (the raw
# `rec` and `rank` query values when the page was opened from a recommendation, else None; receivers
# validate them). Receivers count cheaply.
listing_shown = Signal()
