"""API throttles beyond DRF's own: anonymous clients reading lists get a separate, lower rate
(`anon_list`, env API_THROTTLE_ANON_LIST), so a whole directory cannot be paged through quickly."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle


class AnonListRateThrottle(AnonRateThrottle):
    """Counts only anonymous GETs of list endpoints (a viewset's `list` action)."""

    scope = "anon_list"

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope)  # no rate configured: not throttled by this class

    def allow_request(self, request, view):
        if request.method != "GET" or getattr(view, "action", None) != "list":
            return True
        return super().allow_request(request, view)
