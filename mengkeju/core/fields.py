"""API fields every app uses."""

from __future__ import annotations

from rest_framework import serializers


class CodeField(serializers.SlugRelatedField):
    """A related record named by its `code` (a division, chain link, organization, mode …).

    A value that cannot be a code — not a string, or holding a NUL character, which PostgreSQL refuses
    in a query (the fuzzing's `"chain_links": ["rare\\u0000"]` answered 500) — is "does not exist", the
    same answer as an unknown code.
    """

    def __init__(self, queryset=None, **kwargs):
        if kwargs.get("read_only"):
            super().__init__(slug_field="code", **kwargs)
        else:
            super().__init__(slug_field="code", queryset=queryset, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str | int) or isinstance(data, bool) or "\x00" in str(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data).replace("\x00", ""))
        return super().to_internal_value(data)
