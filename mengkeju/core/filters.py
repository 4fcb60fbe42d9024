"""Strict query parameters for every API list: a value the API does not understand is a 400 naming the
parameter, never silently ignored (`?whitelisted=57943872`, `?page=false`)."""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

TRUE_VALUES = ("true", "1")
FALSE_VALUES = ("false", "0")


class StrictBooleanField(forms.Field):
    """`true`/`false` (or 1/0); anything else is an error, not "no filter"."""

    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """django-filter for the API, with `filterset_fields` built on `StrictFilterSet`."""

    filterset_base = StrictFilterSet


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages are numbered from 1: `?page=abc` or `?page=0` is invalid input (400); a page past the last
    one is not found (404)."""

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not (page.isdigit() and int(page) >= 1):
            raise ValidationError(
                {self.page_query_param: [_("A page number is a whole number from 1.")]}, code="invalid"
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
