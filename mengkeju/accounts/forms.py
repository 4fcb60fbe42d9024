"""Forms of the accounts pages: they parse the input; the services check and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mengkeju.network.models import Division, Organization

from .rules import SIGN_UP_KINDS


def _divisions():
    return Division.objects.filter(external=False).order_by("code")


class AccountFields(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class PersonForm(AccountFields):
    email = forms.EmailField(label=_("E-mail"))


class SignUpForm(PersonForm):
    kind = forms.ChoiceField(
        label=_("Kind of organization"),
        choices=[(k.value, k.label) for k in Organization.Kind if k in SIGN_UP_KINDS],
    )
    name = forms.CharField(label=_("Organization's registered name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40)
    division = forms.ModelChoiceField(label=_("Division"), queryset=_divisions())
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    responsible_phone = forms.CharField(label=_("Responsible person's phone"), max_length=32, required=False)

    field_order = ["kind", "name", "credit_code", "division", "responsible_person", "responsible_phone"]


class ResubmitForm(forms.Form):
    name = forms.CharField(label=_("Organization's registered name"), max_length=200)
    division = forms.ModelChoiceField(label=_("Division"), queryset=_divisions())


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
