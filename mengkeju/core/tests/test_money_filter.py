"""One way to print money on every page: `{% load money %}{{ amount|yuan }}`."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from mengkeju.core.templatetags.money import format_yuan


@pytest.mark.parametrize(
    ("amount", "chinese", "english"),
    [
        (Decimal("800000.00"), "80万元", "¥800,000"),
        (Decimal("173000"), "17.3万元", "¥173,000"),
        (Decimal("20000.00"), "2万元", "¥20,000"),
        (Decimal("1234567.89"), "123.46万元", "¥1,234,567.89"),
        (Decimal("8000"), "8,000元", "¥8,000"),
        (Decimal("7121.23"), "7,121.23元", "¥7,121.23"),
        (Decimal("0.5"), "0.5元", "¥0.50"),
        (Decimal("-50000"), "-5万元", "-¥50,000"),
        (None, "", ""),
    ],
)
def test_amounts_read_the_same_way_in_each_language(amount, chinese, english):
    assert format_yuan(amount, "zh-hans") == chinese
    assert format_yuan(amount, "en") == english


def test_the_filter_follows_the_page_language():
    template = Template("{% load money %}{{ amount|yuan }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"amount": Decimal("800000")})) == "80万元"
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("800000")})) == "¥800,000"


def test_no_template_formats_money_its_own_way():
    """Money fields go through |yuan, never floatformat or a hand-written 元."""
    import re
    from pathlib import Path

    import mengkeju

    root = Path(mengkeju.__file__).parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"_yuan(\|floatformat[^}]*)? \}\}( \{% translate \"yuan\" %\}| ?元)?", text):
            offenders.append(path.name)
    assert offenders == []


def test_every_template_using_the_filter_loads_it():
    """A template that says |yuan without {% load money %} fails when it renders (a 500 on that page)."""
    import re
    from pathlib import Path

    import mengkeju

    root = Path(mengkeju.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("templates/**/*.html")
        if "|yuan" in (text := path.read_text(encoding="utf-8"))
        and not re.search(r"\{% load [^%]*\bmoney\b", text)
    ]
    assert offenders == []
