"""Widgets every app's web forms may use."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Many choices in groups (industry chain → its links): one folding section per group, inside a
    box that scrolls, instead of a long multi-select one must Ctrl-click. A group with a chosen item
    starts open and says how many are chosen. Give it grouped choices: [(group, [(value, label), …]), …].
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value or [])}
        base_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        sections = []
        for g, (group, options) in enumerate(self.choices):
            if not isinstance(options, list | tuple):  # an ungrouped choice: a group of its own
                group, options = "", [(group, options)]
            boxes = format_html_join(
                "",
                '<div class="form-check"><input class="form-check-input" type="checkbox" name="{}" '
                'value="{}" id="{}_{}_{}"{}><label class="form-check-label" for="{}_{}_{}">{}</label></div>',
                (
                    (
                        name,
                        option_value,
                        base_id,
                        g,
                        i,
                        " checked" if str(option_value) in chosen else "",
                        base_id,
                        g,
                        i,
                        label,
                    )
                    for i, (option_value, label) in enumerate(options)
                ),
            )
            count = sum(1 for option_value, _label in options if str(option_value) in chosen)
            sections.append(
                format_html(
                    '<details class="mb-1"{}><summary>{}{}</summary><div class="ps-3">{}</div></details>',
                    " open" if count else "",
                    group,
                    format_html(
                        ' <span class="badge bg-primary-subtle text-primary-emphasis">{}</span>', count
                    )
                    if count
                    else "",
                    boxes,
                )
            )
        return format_html(
            '<div class="mk-grouped-checkboxes border rounded p-2" id="{}" role="group" aria-label="{}" '
            'style="max-height: 18rem; overflow-y: auto">{}</div>',
            base_id,
            _("Choose any number"),
            format_html_join("", "{}", ((s,) for s in sections)),
        )

    def id_for_label(self, id_, index=None):
        return id_
