from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organization


class LadderMoveForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"),
        queryset=Organization.objects.filter(kind=Organization.Kind.ENTERPRISE).order_by("name"),
        to_field_name="code",
    )
    carrier = forms.ModelChoiceField(
        label=_("Incubator, accelerator or science park"),
        queryset=Organization.objects.filter(kind__in=Organization.LADDER_KINDS).order_by("kind", "name"),
        to_field_name="code",
    )
    entered_on = forms.DateField(label=_("Entered on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
