"""Read queries for the home page: counts across the catalog and network."""

from django.db.models import Count, Q

from mengkeju.catalog.models import Achievement, Demand, Expert, Platform, Status
from mengkeju.network.models import IndustryChain


def catalog_stats() -> dict[str, int]:
    return {
        "achievements": Achievement.objects.filter(status=Status.PUBLISHED).count(),
        "demands": Demand.objects.filter(status=Status.PUBLISHED).count(),
        "experts": Expert.objects.count(),
        "platforms": Platform.objects.filter(whitelisted=True).count(),
    }


def home_chart_data() -> dict:
    """Published achievements and demands per industry chain (for the ECharts bar chart)."""
    published = Q(status=Status.PUBLISHED)
    achievement_counts = dict(
        Achievement.objects.filter(published)
        .values_list("chain_links__chain__code")
        .annotate(n=Count("id", distinct=True))
    )
    demand_counts = dict(
        Demand.objects.filter(published)
        .values_list("chain_links__chain__code")
        .annotate(n=Count("id", distinct=True))
    )
    chains = list(IndustryChain.objects.values_list("code", "name"))
    return {
        "chains": [name for _code, name in chains],
        "achievements": [achievement_counts.get(code, 0) for code, _name in chains],
        "demands": [demand_counts.get(code, 0) for code, _name in chains],
    }
