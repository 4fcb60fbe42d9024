"""Form helpers every app's web forms use."""

from __future__ import annotations

from django import forms

UNSTYLED_WIDGETS = (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect, forms.HiddenInput)


def style_form(form: forms.BaseForm) -> None:
    """Give every visible widget Bootstrap's class (`form-select` for choices, `form-control` else)."""
    for field in form.fields.values():
        widget = field.widget
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
