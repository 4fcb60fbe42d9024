"""Web forms of innovation points: they parse what people type; the rules are checked by services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.core.tabular import suffix_of
from mengkeju.network.models import IndustryChain

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("Filled-in template (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
        if suffix_of(upload.name) not in ("xlsx", "csv"):
            raise forms.ValidationError(
                _("Upload the filled-in template as an .xlsx or .csv file."), code="file_type"
            )
        return upload


class EntryForm(forms.Form):
    """One field per item of the year's system, built from its definition."""

    chain = forms.ModelChoiceField(IndustryChain.objects.all(), label=_("Industry chain"), required=False)
    size_class = forms.ChoiceField(label=_("Size class"), required=False)
    founded_year = forms.IntegerField(
        label=_("Year of establishment"),
        required=False,
        help_text=_("With the size class it decides the stage (初创期 / 成长期 / 稳定期)."),
    )

    def __init__(self, *args, spec, size_classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["size_class"].choices = [("", "—")] + [(c["code"], c["name"]) for c in size_classes]
        for item in spec.all_items:
            # The browser helps with the bounds and the step; the service checks them again.
            attrs = {
                "step": "1" if item.integer else "any",
                "inputmode": "numeric" if item.integer else "decimal",
            }
            attrs |= {
                key: f"{value:g}"
                for key, value in (("min", item.min), ("max", item.max))
                if value is not None
            }
            self.fields[item.code] = forms.CharField(
                label=f"{item.name}（{item.unit}）", required=False, widget=forms.NumberInput(attrs=attrs)
            )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What needs correcting"), widget=forms.Textarea(attrs={"rows": 2}))


class RecomputeForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    chain = forms.ModelChoiceField(IndustryChain.objects.all(), required=False, to_field_name="code")
    size_class = forms.CharField(required=False, max_length=16)


class LoanForm(forms.Form):
    """A loan a bank records; the service checks the rules (consent, threshold, bounds) again."""

    amount_yuan = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    rate_percent = forms.DecimalField(
        label=_("Annual interest rate (%)"), max_digits=6, decimal_places=3, min_value=Decimal("0.001")
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
    granted = forms.BooleanField(label=_("Already granted"), required=False)
