from django.urls import path

from . import views

app_name = "network"

# The organization page (`network:organization`) shows listings of other apps: the site's URLconf adds it
# from portal, which composes pages across apps (network sits below catalog and may not import it).

urlpatterns = [
    path("", views.network_overview, name="overview"),
    path("ladder/", views.ladder, name="ladder"),
    path("map.geojson", views.region_map_geojson, name="map"),
]
