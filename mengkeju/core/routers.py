"""API routers whose integer keys only match digits: `/api/achievements/abc/` or `/api/deals/contracts/false/`
is a 404 (JSON, see `core.views.not_found`), never a 500 from a failed integer conversion."""

from rest_framework import routers

INTEGER_LOOKUPS = frozenset({"pk", "id", "year"})


class IntegerLookupMixin:
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if getattr(viewset, "lookup_value_regex", None) is None and lookup_field in INTEGER_LOOKUPS:
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]+)"
        return super().get_lookup_regex(viewset, lookup_prefix)


class SimpleRouter(IntegerLookupMixin, routers.SimpleRouter):
    pass


class DefaultRouter(IntegerLookupMixin, routers.DefaultRouter):
    pass
