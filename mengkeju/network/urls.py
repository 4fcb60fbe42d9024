from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("", views.network_overview, name="overview"),
    path("ladder/", views.ladder, name="ladder"),
    path("organizations/<str:code>/", views.organization_detail, name="organization"),
]
