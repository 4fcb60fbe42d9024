"""Signals other apps listen to (e.g. the matching index), sent after the transaction commits."""

from django.dispatch import Signal

# sender: the model class; kwargs: ids (list of primary keys whose content or status changed)
listings_changed = Signal()
