"""Web forms of bookable services: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import TRL, Achievement
from mengkeju.core.forms import StyledFormMixin

from .models import Accreditation, OfferingKind, Period

DATE = forms.DateInput(attrs={"type": "date"})


class OfferingForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=OfferingKind.choices)
    line_name = forms.CharField(label=_("pilot line"), max_length=200, required=False)
    standard = forms.CharField(label=_("test standard"), max_length=200, required=False)
    accreditation = forms.ChoiceField(label=_("accreditation"), choices=Accreditation.choices)
    unit = forms.CharField(label=_("unit"), max_length=20, help_text=_("run, sample, workstation …"))
    capacity_per_period = forms.IntegerField(label=_("capacity per period"), min_value=1, max_value=100000)
    period = forms.ChoiceField(label=_("period"), choices=Period.choices)
    lead_time_days = forms.IntegerField(label=_("lead time (days)"), min_value=0, max_value=365, initial=0)
    unit_price_yuan = forms.DecimalField(
        label=_("price per unit (yuan)"), min_value=0, max_digits=16, decimal_places=2
    )
    price_note = forms.CharField(label=_("price list"), max_length=300, required=False)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RequestForm(StyledFormMixin, forms.Form):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=100000, initial=1)
    wished_from = forms.DateField(label=_("wished from"), widget=DATE)
    wished_to = forms.DateField(label=_("wished until"), widget=DATE)
    sample_description = forms.CharField(
        label=_("sample description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    achievement = forms.ModelChoiceField(
        label=_("achievement piloted"), queryset=Achievement.objects.none(), required=False
    )

    def __init__(self, *args, user=None, offering=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offering is not None and offering.is_pilot_run and user is not None and user.organization_id:
            self.fields["achievement"].queryset = Achievement.objects.filter(owner_id=user.organization_id)
        else:
            del self.fields["achievement"]


class ConfirmForm(StyledFormMixin, forms.Form):
    scheduled_on = forms.DateField(label=_("confirmed date"), widget=DATE)
    price_yuan = forms.DecimalField(label=_("price (yuan)"), min_value=0, max_digits=16, decimal_places=2)


class DeclineForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason declined"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PerformForm(StyledFormMixin, forms.Form):
    performed_on = forms.DateField(label=_("performed on"), widget=DATE)
    report = forms.FileField(label=_("report"))
    outcome_new_product = forms.CharField(label=_("new product"), max_length=200, required=False)
    outcome_process_validated = forms.BooleanField(label=_("process validated"), required=False)
    outcome_trl = forms.TypedChoiceField(
        label=_("TRL reached"),
        choices=[("", "—"), *TRL.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    raise_trl = forms.BooleanField(
        label=_("raise the piloted achievement's TRL, with this report as evidence"), required=False
    )

    def __init__(self, *args, booking=None, **kwargs):
        super().__init__(*args, **kwargs)
        if booking is not None and not booking.offering.is_pilot_run:
            for name in ("outcome_new_product", "outcome_process_validated", "outcome_trl", "raise_trl"):
                del self.fields[name]
        elif booking is not None and booking.achievement_id is None:
            del self.fields["raise_trl"]


class FeeForm(StyledFormMixin, forms.Form):
    fee_yuan = forms.DecimalField(label=_("fee (yuan)"), min_value=0, max_digits=16, decimal_places=2)


class RateForm(StyledFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("rating"), choices=[(i, f"{i} ★") for i in range(5, 0, -1)], coerce=int
    )
    comment = forms.CharField(
        label=_("comment"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("file"))
