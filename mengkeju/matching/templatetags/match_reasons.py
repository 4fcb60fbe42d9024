"""`{% load match_reasons %}{{ result|match_reason }}`: why a recommendation was made, in a broker's words.

The engine explains with codes (the chain links, chains and division both sides share, and the shared
domain terms); this turns the codes into names in the page's language:
"同为稀土·永磁电机与终端应用环节，同在包头市" / "same chain link: Rare earths · Permanent-magnet motors …".
No score is shown: a number means nothing to the public.
"""

from django import template
from django.utils.translation import get_language, gettext

from mengkeju.network.models import ChainLink, Division, IndustryChain

register = template.Library()


def _name(obj) -> str:
    if (get_language() or "").lower().startswith("en") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


def _link_name(link: ChainLink) -> str:
    return f"{_name(link.chain)}·{_name(link)}"


@register.filter
def match_reason(result) -> str:
    """One sentence from `result.explanation["same"]`; empty when both sides share no structure."""
    explanation = getattr(result, "explanation", None) or {}
    same = explanation.get("same") or {}
    parts = []
    if same.get("links"):
        links = ChainLink.objects.filter(code__in=same["links"]).select_related("chain")
        names = "、".join(_link_name(link) for link in links)
        if names:
            parts.append(gettext("both in the chain link %(links)s") % {"links": names})
    if same.get("chains"):
        names = "、".join(_name(c) for c in IndustryChain.objects.filter(code__in=same["chains"]))
        if names:
            parts.append(gettext("both in the %(chains)s chain") % {"chains": names})
    if same.get("division"):
        division = Division.objects.filter(code=same["division"]).first()
        if division is not None:
            parts.append(gettext("both in %(division)s") % {"division": _name(division)})
    return gettext(", ").join(parts)
