"""Web forms for publishing achievements and demands. Field-level checks here; business rules in services."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import EMPTY_LABEL, MultipleFileField, style_form
from mengkeju.core.widgets import ChainLinkPicker
from mengkeju.network.models import ChainLink, Division, Organization

from . import permissions
from .models import Achievement, CooperationMode, Demand, Expert, Platform, Service
from .services import IP_KINDS


def contact_initial(user) -> dict[str, str]:
    """A new listing's contact, filled in from the account (the person can change it)."""
    return {
        "contact_name": user.display_name or user.get_full_name() or user.username,
        "contact_phone": user.phone,
        "contact_email": user.email,
    }


class ListingForm(forms.ModelForm):
    owner = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Owner organization"), to_field_name="code"
    )
    division = forms.ModelChoiceField(
        queryset=Division.objects.all(), label=_("Division"), to_field_name="code"
    )
    chain_links = forms.ModelMultipleChoiceField(
        queryset=ChainLink.objects.select_related("chain"),
        to_field_name="code",
        label=_("Industry chain links"),
        help_text=_("Tick every link the listing belongs to."),
        widget=ChainLinkPicker(),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = ""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["owner"]
            self.fields["version"].initial = self.instance.version
        else:
            allowed = [
                org.pk
                for org in Organization.objects.filter(kind__in=permissions.OWNER_KINDS[self.kind])
                if permissions.can_create_for(user, org, self.kind)
            ]
            self.fields["owner"].queryset = Organization.objects.filter(pk__in=allowed).order_by("name")
            if user is not None and user.organization_id in allowed:
                self.fields["owner"].initial = user.organization.code
            if user is not None and user.is_authenticated:
                for name, value in contact_initial(user).items():
                    self.fields[name].initial = value
        for name in ("summary", "problem"):
            if name in self.fields:
                self.fields[name].required = True
        style_form(self)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 4:
            raise forms.ValidationError(
                _("The title is too short; say what the technology is."), code="invalid"
            )
        return title


def _amount_field(label):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(settings.MAX_AMOUNT_YUAN),
        help_text=_("In yuan. Leave empty for 面议 (negotiable)."),
    )


class AchievementForm(ListingForm):
    kind = "achievement"
    transfer_modes = forms.ModelMultipleChoiceField(
        queryset=CooperationMode.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        label=_("Transfer modes"),
    )
    price_yuan = _amount_field(_("Price (yuan)"))
    ip_text = forms.CharField(
        label=_("Intellectual property"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("One per line: kind and number, e.g. “发明专利 ZL202110345678.9”."),
    )

    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_(
            "Specification, test report, patent certificate … (PDF, Office or images, at most 10 MB each)."
        ),
    )

    class Meta:
        model = Achievement
        fields = [
            "title",
            "summary",
            "field",
            "chain_links",
            "division",
            "trl",
            "transfer_modes",
            "price_yuan",
            "keywords",
            "inventors",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 8, "maxlength": 10000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # an existing achievement adds attachments on its page, one by one
            del self.fields["attachments"]
            self.fields["ip_text"].initial = "\n".join(
                f"{IP_KINDS.get(r['kind'], r['kind'])} {r.get('number', '')}".strip()
                for r in self.instance.ip_rights
            )

    def clean_ip_text(self):
        by_label = {v: k for k, v in IP_KINDS.items()} | {k: k for k in IP_KINDS}
        rights = []
        for n, line in enumerate(self.cleaned_data["ip_text"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            kind, _sep, number = line.partition(" ")
            if kind not in by_label:
                raise forms.ValidationError(
                    _("Line %(n)s: unknown kind “%(kind)s”; use one of %(kinds)s.")
                    % {"n": n, "kind": kind, "kinds": "、".join(IP_KINDS.values())},
                    code="unknown",
                )
            rights.append({"kind": by_label[kind], "number": number.strip()})
        return rights

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["ip_rights"] = data.pop("ip_text")
        return data


class DemandForm(ListingForm):
    kind = "demand"
    cooperation_modes = forms.ModelMultipleChoiceField(
        queryset=CooperationMode.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        label=_("Acceptable cooperation modes"),
    )
    budget_yuan = _amount_field(_("Budget (yuan)"))

    class Meta:
        model = Demand
        fields = [
            "title",
            "problem",
            "indicators",
            "chain_links",
            "division",
            "budget_yuan",
            "deadline",
            "cooperation_modes",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
            "indicators": forms.Textarea(attrs={"rows": 4, "maxlength": 3000}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WhitelistStepForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    year = forms.IntegerField(label=_("Year evaluated"), required=False, min_value=1990, max_value=2200)


class GuidanceCatalogForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2200)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    introduction = forms.CharField(
        label=_("Introduction"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class GuidanceEntryForm(forms.Form):
    achievement = forms.IntegerField(label=_("Achievement number"), min_value=1)
    reason = forms.CharField(
        label=_("Reason for inclusion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    application_scenario = forms.CharField(
        label=_("Recommended application scenario"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


IMPORT_SUFFIXES = ("jsonl", "ndjson", "json", "csv", "xlsx")
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class BulkImportForm(forms.Form):
    """The page version of `mengkeju import`: one file of achievements or demands."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[("achievement", _("achievements")), ("demand", _("demands"))],
    )
    status = forms.ChoiceField(
        label=_("Import as"),
        choices=[("published", _("published")), ("draft", _("drafts"))],
        initial="published",
    )
    skip_invalid = forms.BooleanField(
        label=_("Write the valid rows and list the rejected ones (otherwise any bad row rejects the file)"),
        required=False,
    )
    source = forms.SlugField(
        label=_("Source label"),
        initial="import",
        max_length=32,
        help_text=_("Rows are matched by their id within a source: importing again updates them."),
    )
    file = forms.FileField(label=_("File (.jsonl, .json, .csv or .xlsx)"))

    def clean_file(self):
        from mengkeju.core.tabular import suffix_of

        upload = self.cleaned_data["file"]
        if suffix_of(upload.name) not in IMPORT_SUFFIXES:
            raise forms.ValidationError(
                _("Unsupported file type; upload a .jsonl, .json, .csv or .xlsx file."), code="file_type"
            )
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."), code="too_large")
        return upload


# --- Directories: experts, innovation platforms, services --------------------------------------------


def chain_link_picker() -> forms.ModelMultipleChoiceField:
    """Chain links as checkboxes grouped by chain (core's ChainLinkPicker), not a 60-option multi-select."""
    return forms.ModelMultipleChoiceField(
        queryset=ChainLink.objects.select_related("chain"),
        to_field_name="code",
        label=_("Industry chain links"),
        required=False,
        widget=ChainLinkPicker(),
    )


class DirectoryForm(forms.ModelForm):
    """What headquarters and sub-centers fill in for an expert, platform or service. Divisions are
    limited to those the person may manage; the service re-checks everything."""

    division = forms.ModelChoiceField(
        queryset=Division.objects.none(), label=_("Division"), to_field_name="code"
    )
    chain_links = chain_link_picker()
    kind = ""
    organization_field = "organization"

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        divisions = Division.objects.filter(external=False)
        if permissions.role_of(user) == permissions.Role.SUBCENTER_STAFF:
            from mengkeju.network.selectors import user_scope

            divisions = divisions.filter(pk__in=user_scope(user).division_ids)
        self.fields["division"].queryset = divisions.order_by("code")
        org_field = self.fields[self.organization_field]
        org_field.queryset = Organization.objects.order_by("name")
        org_field.to_field_name = "code"
        if self.instance.pk:
            self.initial[self.organization_field] = getattr(self.instance, self.organization_field).code
            self.initial["division"] = self.instance.division.code
        style_form(self)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ExpertForm(DirectoryForm):
    kind = "expert"
    account = forms.CharField(
        label=_("Linked account (user name)"),
        required=False,
        max_length=150,
        help_text=_("The expert's own account, so they can keep their profile up to date. Optional."),
    )

    class Meta:
        model = Expert
        fields = ["name", "tier", "title", "organization", "division", "field", "chain_links", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6, "maxlength": 5000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.user_id:
            self.fields["account"].initial = self.instance.user.username

    def clean_account(self):
        from mengkeju.network.models import User

        username = self.cleaned_data["account"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no account with this user name."), code="unknown")
        return user

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["user"] = data.pop("account")
        return data


class PlatformForm(DirectoryForm):
    kind = "platform"

    class Meta:
        model = Platform
        fields = ["name", "kind", "level", "organization", "division", "chain_links", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6, "maxlength": 5000})}


class ServiceForm(DirectoryForm):
    kind = "service"
    organization_field = "provider"

    class Meta:
        model = Service
        fields = ["name", "kind", "provider", "division", "price_note", "chain_links", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6, "maxlength": 5000})}


DIRECTORY_FORMS = {"expert": ExpertForm, "platform": PlatformForm, "service": ServiceForm}


class ExpertProfileForm(forms.ModelForm):
    """An expert's own profile: field, title, biography and chain links (the tier and organization are
    the network's to set)."""

    chain_links = chain_link_picker()

    class Meta:
        model = Expert
        fields = ["title", "field", "chain_links", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6, "maxlength": 5000})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DirectoryImportForm(forms.Form):
    """A .csv or .xlsx file of experts, platforms or services (see docs/directories.md)."""

    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[
            ("", EMPTY_LABEL),
            ("expert", _("experts")),
            ("platform", _("innovation platforms")),
            ("service", _("services")),
        ],
    )
    file = forms.FileField(label=_("File (.csv or .xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean_file(self):
        from mengkeju.core.tabular import suffix_of

        upload = self.cleaned_data["file"]
        if suffix_of(upload.name) not in ("csv", "xlsx"):
            raise forms.ValidationError(
                _("Unsupported file type; upload a .csv or .xlsx file."), code="file_type"
            )
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."), code="too_large")
        return upload
