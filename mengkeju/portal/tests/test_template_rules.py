"""Templates decide nothing and start no charts.

- A template never compares a status, stage, state, role or similar field with a literal: the view
  computes a `may_*` / `is_*` / `shows_*` flag from the app's permission and rule functions, so a
  rule lives in one place (`{% if challenge.status == "notice" %}` → `{% if in_notice %}`).
- No template starts ECharts itself: the view puts the options in `charts`, base.html writes them
  once and loads static/mengkeju/charts.js, the one start-up script.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CHARTS_JS = Path(settings.BASE_DIR) / "static" / "mengkeju" / "charts.js"

# Fields that hold a state of a record (or of the person looking), compared by name or by suffix.
STATE_FIELDS = {
    "status",
    "stage",
    "state",
    "role",
    "mode",
    "kind",
    "direction",
    "method",
    "fee_model",
    "action",
}
STATE_SUFFIXES = ("_status", "_stage", "_state", "_role", "_mode", "_model")
IF_TAG = re.compile(r"\{%-?\s*(?:if|elif)\b(.*?)-?%\}", re.S)
LITERAL = r"""(?:"[^"]*"|'[^']*')"""
VARIABLE = r"[A-Za-z_][\w.]*"
COMPARISONS = [
    re.compile(rf"(?P<var>{VARIABLE})\s*(?:==|!=)\s*{LITERAL}"),
    re.compile(rf"{LITERAL}\s*(?:==|!=)\s*(?P<var>{VARIABLE})"),
    re.compile(rf"(?P<var>{VARIABLE})\s+(?:not\s+)?in\s+{LITERAL}"),
]


def _is_state(variable: str) -> bool:
    field = variable.rsplit(".", 1)[-1].split("|", 1)[0]
    return field in STATE_FIELDS or field.endswith(STATE_SUFFIXES)


def state_comparisons(source: str) -> list[str]:
    """The `{% if %}` / `{% elif %}` conditions of a template that compare a state field with a literal."""
    found = []
    for tag in IF_TAG.finditer(source):
        condition = tag.group(1)
        for pattern in COMPARISONS:
            for match in pattern.finditer(condition):
                if _is_state(match.group("var")):
                    found.append(match.group(0).strip())
    return found


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize(
    ("condition", "flagged"),
    [
        ('{% if challenge.status == "notice" %}', True),
        ("{% elif 'terminated' != stage %}", True),
        ('{% if x and r.state == "paid" or y %}', True),
        ('{% if user.role in "platform_admin hq_operator" %}', True),
        ('{% if user.role not in "analyst" %}', True),
        ('{% if p.whitelist_status != "none" %}', True),
        ('{% if licence.fee_model == "royalty" %}', True),
        ('{% if user.organization.kind == "enterprise" %}', True),
        ('{% if e.note and e.action != "refuse" %}', True),
        ("{% if in_notice %}", False),
        ("{% if value == status %}", False),
        ("{% if code == 'en' %}", False),
        ('{% if field.name == "q" %}', False),
        ("{% if message.tags == 'error' %}", False),
    ],
)
def test_the_check_finds_state_comparisons(condition, flagged):
    assert bool(state_comparisons(condition)) is flagged


def test_no_template_compares_a_state_with_a_literal():
    assert _templates(), f"no templates under {TEMPLATES}"
    offenders = {
        str(path.relative_to(TEMPLATES)): found
        for path in _templates()
        if (found := state_comparisons(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "compute a may_*/is_*/shows_* flag in the view instead"


def test_no_template_starts_echarts():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in _templates()
        if "echarts.init" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], "put the option in the view's `charts`; charts.js starts every chart"
    loaders = [
        str(path.relative_to(TEMPLATES))
        for path in _templates()
        if "echarts.min.js" in path.read_text(encoding="utf-8")
    ]
    assert loaders == ["base.html"]
    assert "echarts.init" in CHARTS_JS.read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "charts"), [("/", {"chains"}), ("/network/", {"coverage"})])
def test_chart_pages_carry_their_options_and_the_start_up_script(client, url, charts):
    body = client.get(url).content.decode()
    data = re.search(r'<script id="mk-charts" type="application/json">(.*?)</script>', body, re.S)
    assert data, "base.html writes the view's charts as JSON"
    options = json.loads(data.group(1))
    assert set(options) == charts
    assert all(f'data-chart="{name}"' in body for name in charts)
    assert all("series" in option for option in options.values())
    assert body.count("mengkeju/charts.js") == 1 and body.count("vendor/echarts.min.js") == 1


@pytest.mark.django_db
def test_a_page_without_charts_loads_no_echarts(client):
    body = client.get("/achievements/").content.decode()
    assert "echarts" not in body and "mk-charts" not in body
