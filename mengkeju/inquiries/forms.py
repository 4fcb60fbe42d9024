from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import MultipleFileField  # type and size are checked by the service

from .models import Thread


class InquiryForm(forms.Form):
    body = forms.CharField(
        label=_("What are you looking for?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    budget_min_yuan = forms.DecimalField(label=_("Budget from (yuan)"), required=False, min_value=0)
    budget_max_yuan = forms.DecimalField(label=_("Budget up to (yuan)"), required=False, min_value=0)
    preferred_contact = forms.ChoiceField(label=_("Preferred contact"), choices=Thread.Contact.choices)
    files = MultipleFileField(label=_("Attachments"))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    files = MultipleFileField(label=_("Attachments"))
