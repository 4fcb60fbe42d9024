from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    """Bookable services (中试 runs, testing items, incubation space) offered by platforms and service
    providers, their bookings and the service record the whitelist evaluation reads (docs/bookings.md)."""

    name = "mengkeju.bookings"
    label = "bookings"
    verbose_name = _("Service bookings")
