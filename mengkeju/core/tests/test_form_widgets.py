"""The shared form pieces: localized empty choices, the chain-link picker, money fields marked for the
万元 hint, the sub-kind narrowed by the kind, and the contract form's sub-kind error in words."""

import pytest
from django import forms
from django.test import Client
from django.utils import translation

from mengkeju.core.forms import MultipleFileField, style_form
from mengkeju.core.widgets import ChainLinkPicker, NarrowedSelect
from mengkeju.deals.forms import ContractForm
from mengkeju.network.models import ChainLink, Division, IndustryChain

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    division = forms.ModelChoiceField(queryset=Division.objects.all(), required=False)
    colour = forms.ChoiceField(choices=[("", "---------"), ("red", "red")], required=False)
    links = forms.ModelMultipleChoiceField(
        queryset=ChainLink.objects.select_related("chain"), to_field_name="code", widget=ChainLinkPicker()
    )
    price_yuan = forms.DecimalField(required=False)
    files = MultipleFileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def test_empty_choices_read_please_choose_not_dashes():
    with translation.override("zh-hans"):
        html = str(Sample())
    assert "---------" not in html
    assert html.count("请选择…") == 2


def test_chain_link_picker_groups_checkboxes_by_chain_and_keeps_the_choice():
    link = ChainLink.objects.select_related("chain").first()
    form = Sample({"links": [link.code]})
    assert form.is_valid(), form.errors
    html = str(form["links"])
    assert html.count('type="checkbox"') == ChainLink.objects.count()
    assert (
        html.count("data-picker-group")
        == IndustryChain.objects.filter(links__isnull=False).distinct().count()
    )
    assert f'value="{link.code}" checked' in html
    assert "<select" not in html
    assert "data-picker-filter" in html  # the filter box, shown by forms.js
    # Under its chain's heading a link shows its own name only.
    assert f"> {link.name}</label>" in html
    assert list(form.cleaned_data["links"]) == [link]


def test_money_fields_are_marked_for_the_ten_thousand_yuan_hint():
    html = str(Sample()["price_yuan"])
    assert "data-yuan" in html and 'inputmode="decimal"' in html


def test_narrowed_select_tags_each_option_with_its_parent():
    widget = NarrowedSelect("kind", {"a1": "a", "b1": "b"}, choices=[("", "…"), ("a1", "A1"), ("b1", "B1")])
    html = widget.render("sub", "a1")
    assert 'data-narrow-by="kind"' in html
    assert 'data-parent="a"' in html and 'data-parent="b"' in html


def test_contract_form_narrows_sub_kinds_and_names_a_wrong_one_in_words(people):
    form = ContractForm()
    html = str(form["sub_kind"])
    assert 'data-narrow-by="kind"' in html
    assert 'value="patent_licence" data-parent="licence"' in html
    client = Client()
    client.force_login(people["hq_operator"])
    with translation.override("zh-hans"):
        response = client.post(
            "/deals/contracts/new/",
            {
                "title": "某技术许可合同",
                "kind": "development",
                "sub_kind": "patent_licence",
                "amount_yuan": "100000",
                "parties-TOTAL_FORMS": "0",
                "parties-INITIAL_FORMS": "0",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    html = response.content.decode()
    assert "data-error-summary" in html
    assert "“patent_licence”" not in html  # the code was shown before; now its label


def test_challenge_eligible_divisions_are_ticked_not_typed_as_codes():
    from mengkeju.challenges.forms import ChallengeForm

    html = str(ChallengeForm()["division_codes"])
    assert 'type="checkbox" name="division_codes" value="150200"' in html
    assert "data-picker-group" in html
    form = ChallengeForm({"division_codes": ["150200", "150400"]})
    form.is_valid()
    assert "division_codes" not in form.errors
    assert sorted(d.code for d in form.cleaned_data["division_codes"]) == ["150200", "150400"]
    assert "division_codes" in ChallengeForm({"division_codes": ["nowhere"]}).errors
