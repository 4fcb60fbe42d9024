"""Widgets every app's forms use.

`ChainLinkPicker` — choosing industry-chain links (产业链环节) by ticking boxes grouped by chain, with a
filter box that narrows the list as one types. Without JavaScript it is plain checkboxes under one
heading per chain, so it works on any phone (a 60-option multi-select does not).
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIteratorValue


class ChainLinkPicker(forms.CheckboxSelectMultiple):
    """Checkboxes grouped by the option's `group_by` attribute (a chain link's `chain`), with a filter box.

    Use it on any ModelMultipleChoiceField of chain links:
    `forms.ModelMultipleChoiceField(queryset=ChainLink.objects.select_related("chain"), widget=ChainLinkPicker())`.
    Choices already grouped (`[(group, [(value, label), …]), …]`) are kept as given.
    """

    template_name = "core/widgets/chain_link_picker.html"

    def __init__(self, attrs=None, choices=(), group_by: str = "chain"):
        super().__init__(attrs, choices)
        self.group_by = group_by

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.group_by = self.group_by
        return copy

    def _grouped_choices(self):
        groups: dict[str, list] = {}
        flat = []
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):  # already a group
                groups.setdefault(str(value), []).extend(label)
                continue
            if value in ("", None):
                continue
            instance = (
                getattr(value, "instance", None) if isinstance(value, ModelChoiceIteratorValue) else None
            )
            group = getattr(instance, self.group_by, None) if instance is not None else None
            if group is None:
                flat.append((value, label))
            else:  # under its group's heading an option needs only its own name ("冶炼分离", not "稀土·冶炼分离")
                groups.setdefault(str(group), []).append((value, getattr(instance, "name", None) or label))
        return [*groups.items(), *([("", flat)] if flat else [])]

    def optgroups(self, name, value, attrs=None):
        saved = self.choices
        self.choices = self._grouped_choices()
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = saved


class NarrowedSelect(forms.Select):
    """A select whose options belong to a choice of another field of the same form (a contract's
    sub-kind belongs to its kind): forms.js shows only the options of the chosen parent. The server
    still validates; without JavaScript every option stays."""

    def __init__(self, parent_field: str, parent_of: dict[str, str], attrs=None, choices=()):
        super().__init__({**(attrs or {}), "data-narrow-by": parent_field}, choices)
        self.parent_of = {str(k): str(v) for k, v in parent_of.items()}

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.parent_of = dict(self.parent_of)
        return copy

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        parent = self.parent_of.get(str(value))
        if parent:
            option["attrs"]["data-parent"] = parent
        return option
