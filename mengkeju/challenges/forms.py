"""Web forms of open challenges. Field-level parsing here (lists typed one item a line, the technical
indicators one formset row each); the rules are in the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mengkeju.core.forms import style_form
from mengkeju.core.widgets import ChainLinkPicker
from mengkeju.network.models import ChainLink, Division, Organization

from .models import Challenge, Indicator


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.replace("｜", "|").split("|")]


class ChallengeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 4}))
    field = forms.CharField(label=_("Technical field"), max_length=100, required=False)
    chain_links = forms.ModelMultipleChoiceField(
        label=_("Industry chain links"),
        queryset=ChainLink.objects.select_related("chain"),
        required=False,
        to_field_name="code",
        widget=ChainLinkPicker(),
    )
    budget_yuan = forms.DecimalField(
        label=_("Budget / reward (yuan)"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(settings.MAX_AMOUNT_YUAN),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Challenge.Mode.choices)
    teams_to_fund = forms.IntegerField(
        label=_("Teams to fund (horse race)"), min_value=1, max_value=20, initial=1
    )
    opens_at = forms.DateTimeField(
        label=_("Applications open at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Applications close at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    inside_region_only = forms.BooleanField(label=_("Organizations inside the region only"), required=False)
    organization_kinds = forms.MultipleChoiceField(
        label=_("Kinds of organization that may lead or partner"),
        required=False,
        choices=[(k.value, k.label) for k in Organization.Kind if k.value not in Organization.NETWORK_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any kind."),
    )
    division_codes = forms.ModelMultipleChoiceField(
        label=_("Divisions allowed"),
        queryset=Division.objects.filter(external=False).select_related("parent"),
        to_field_name="code",
        required=False,
        widget=ChainLinkPicker(group_by="parent"),  # the same grouped checkboxes, by prefecture
        help_text=_("None ticked: any division."),
    )
    eligibility_notes = forms.CharField(
        label=_("Other eligibility conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    ip_terms = forms.CharField(
        label=_("Intellectual-property terms"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    @classmethod
    def initial_from(cls, challenge: Challenge) -> dict:
        rules = challenge.eligibility or {}
        return {
            "title": challenge.title,
            "problem": challenge.problem,
            "field": challenge.field,
            "chain_links": list(challenge.chain_links.all()),
            "budget_yuan": challenge.budget_yuan,
            "mode": challenge.mode,
            "teams_to_fund": challenge.teams_to_fund,
            "opens_at": challenge.opens_at,
            "closes_at": challenge.closes_at,
            "inside_region_only": rules.get("inside_region_only"),
            "organization_kinds": rules.get("organization_kinds") or [],
            "division_codes": list(rules.get("division_codes") or []),
            "eligibility_notes": challenge.eligibility_notes,
            "ip_terms": challenge.ip_terms,
        }

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["eligibility"] = {
            "inside_region_only": data.pop("inside_region_only"),
            "organization_kinds": data.pop("organization_kinds"),
            "division_codes": [division.code for division in data.pop("division_codes")],
        }
        return data


class IndicatorForm(forms.Form):
    """One technical indicator: name, ≥ or ≤, target value, unit, how it is verified."""

    name = forms.CharField(label=_("Indicator"), max_length=100)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "---------"), *Indicator.Direction.choices]
    )
    target_value = forms.DecimalField(label=_("Target value"), max_digits=18, decimal_places=4)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    verification = forms.CharField(label=_("How verified"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        self.fields["target_value"].widget.attrs["inputmode"] = "decimal"


class BaseIndicatorFormSet(forms.BaseFormSet):
    """The challenge's indicators, one row each, in the order shown; empty rows are skipped, a row
    ticked "delete" is dropped; at least one indicator."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Delete this indicator")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        if any(self.errors):
            return
        if not self.indicators():
            raise ValidationError(_("State at least one quantified technical indicator."), code="required")

    def indicators(self) -> list[dict]:
        """What the services take: a list of dicts, in the order of the rows."""
        return [
            {k: form.cleaned_data[k] for k in ("name", "direction", "target_value", "unit", "verification")}
            for n, form in enumerate(self.forms)
            if (n < self.initial_form_count() or form.has_changed())
            and not (self.can_delete and self._should_delete_form(form))
        ]


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=2, can_delete=True, max_num=30, validate_max=True
)


def indicator_formset(data=None, challenge: Challenge | None = None) -> BaseIndicatorFormSet:
    """The indicator rows of the challenge form: a new challenge gets blank rows; an existing one its
    indicators, pre-filled, and one blank row to add another."""
    initial = [
        {
            "name": i.name,
            "direction": i.direction,
            "target_value": f"{i.target_value.normalize():f}",  # 200, not 2E+2
            "unit": i.unit,
            "verification": i.verification,
        }
        for i in (challenge.indicators.all() if challenge else [])
    ]
    formset = IndicatorFormSet(data, initial=initial, prefix="indicators")
    if initial:
        formset.extra = 1
    return formset


class ApplicationForm(forms.Form):
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organizations"),
        required=False,
        queryset=Organization.objects.exclude(kind__in=Organization.NETWORK_KINDS),
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    members = forms.CharField(
        label=_("Team members"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name | role in the team"),
    )
    technical_route = forms.CharField(label=_("Technical route"), widget=forms.Textarea(attrs={"rows": 5}))
    budget_yuan = forms.DecimalField(
        label=_("Requested budget (yuan)"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(settings.MAX_AMOUNT_YUAN),
    )
    cofunding_yuan = forms.DecimalField(
        label=_("Enterprise co-funding committed (yuan)"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(settings.MAX_AMOUNT_YUAN),
        help_text=_(
            "The consortium's own money for the project; the region sets its least ratio to the budget."
        ),
    )
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: title | due date (YYYY-MM-DD) | share of the award in % | numbers of the "
            "indicators it verifies, e.g. 1,2"
        ),
    )

    def __init__(self, *args, challenge: Challenge, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        self.indicators = list(challenge.indicators.all())
        for n, indicator in enumerate(self.indicators, start=1):
            self.fields[f"commit_{indicator.pk}"] = forms.DecimalField(
                label=f"{n}. {indicator}",
                max_digits=18,
                decimal_places=4,
                help_text=_("The value your team commits to reach."),
            )
        style_form(self)

    def clean_members(self) -> list[dict]:
        return [
            dict(zip(("name", "role"), [*_cells(line), ""][:2], strict=True))
            for line in _lines(self.cleaned_data["members"])
        ]

    def clean_milestones(self) -> list[dict]:
        parsed, errors = [], []
        for n, line in enumerate(_lines(self.cleaned_data["milestones"]), start=1):
            cells = _cells(line) + [""] * 4
            try:
                due_on = date.fromisoformat(cells[1])
            except ValueError:
                errors.append(_("Line %(n)s: the due date is written YYYY-MM-DD.") % {"n": n})
                continue
            numbers = [c.strip() for c in cells[3].replace("，", ",").split(",") if c.strip()]
            try:
                ids = [self.indicators[int(x) - 1].pk for x in numbers]
            except (ValueError, IndexError):
                errors.append(_("Line %(n)s: indicators are given by their numbers (1, 2, …).") % {"n": n})
                continue
            parsed.append(
                {
                    "title": cells[0],
                    "due_on": due_on,
                    "share_percent": cells[2].rstrip("%"),
                    "indicator_ids": ids,
                }
            )
        if errors:
            raise ValidationError(errors)
        return parsed

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["commitments"] = {i.pk: data.pop(f"commit_{i.pk}") for i in self.indicators}
        data["partners"] = list(data["partners"])
        return data


class ScoreForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rubric: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for criterion in rubric:
            self.fields[f"score_{criterion['code']}"] = forms.DecimalField(
                label=f"{criterion['name']} ({Decimal(criterion['weight']) * 100:.0f} %)",
                min_value=0,
                max_value=100,
                max_digits=6,
                decimal_places=2,
            )
        self.order_fields([f"score_{c['code']}" for c in rubric] + ["comment"])
        style_form(self)

    def scores(self) -> dict:
        return {c["code"]: self.cleaned_data[f"score_{c['code']}"] for c in self.rubric}


class AcceptanceForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"met_{indicator.pk}"] = forms.ChoiceField(
                label=str(indicator), choices=[("", "—"), ("yes", _("met")), ("no", _("not met"))]
            )
            self.fields[f"note_{indicator.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500
            )
        self.order_fields([n for i in self.indicators for n in (f"met_{i.pk}", f"note_{i.pk}")] + ["note"])
        style_form(self)

    def results(self) -> dict:
        return {
            i.pk: {
                "met": self.cleaned_data[f"met_{i.pk}"] == "yes",
                "note": self.cleaned_data[f"note_{i.pk}"],
            }
            for i in self.indicators
        }


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))
    description = forms.CharField(label=_("Description"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
