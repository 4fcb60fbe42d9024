"""Form helpers every app's web forms use.

`style_form(form)` (or `StyledFormMixin`) prepares a form for the page:
- Bootstrap's class on every visible widget (`form-select` for choices, `form-control` else);
- a localized empty choice ("请选择…" / "Choose…") instead of Django's "---------";
- money fields (names ending in `_yuan`) marked `data-yuan`, so that forms.js shows "= 80 万元" beside
  what is typed (the value stays in yuan).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

UNSTYLED_WIDGETS = (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect, forms.HiddenInput)
DJANGO_EMPTY_LABEL = "---------"
EMPTY_LABEL = _("Choose…")


def localize_empty_choice(field: forms.Field) -> None:
    """Replace Django's "---------" empty choice of a choice field with a localized "Choose…"."""
    if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
        if field.empty_label == DJANGO_EMPTY_LABEL:
            field.empty_label = EMPTY_LABEL
            field.widget.choices = field.choices
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        choices = list(field.choices)
        if any(label == DJANGO_EMPTY_LABEL for _value, label in choices):
            field.choices = [
                (value, EMPTY_LABEL if label == DJANGO_EMPTY_LABEL else label) for value, label in choices
            ]


def style_form(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        localize_empty_choice(field)
        widget = field.widget
        if isinstance(field, forms.DecimalField) and name.endswith("_yuan"):
            widget.attrs.setdefault("data-yuan", "")
            widget.attrs.setdefault("inputmode", "decimal")
        if isinstance(widget, UNSTYLED_WIDGETS):
            continue
        widget.attrs.setdefault(
            "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class StyledFormMixin:
    """Mix into a form class to style its widgets on construction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (`<input type=file multiple>`); cleans to a list (empty: none chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []
