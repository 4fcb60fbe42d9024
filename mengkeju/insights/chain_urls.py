from django.urls import path

from . import chain_views

app_name = "chains"
urlpatterns = [
    path("", chain_views.chain_index, name="index"),
    path("gaps.xlsx", chain_views.gaps_export, name="gaps-export-all"),
    path("<slug:code>/", chain_views.chain_detail, name="detail"),
    path("<slug:code>/gaps.xlsx", chain_views.gaps_export, name="gaps-export"),
]
