from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Thread


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; type and size are checked by the service, before anything is written."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


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
