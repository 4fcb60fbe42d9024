from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.pool, name="home"),
    path("people/new/", views.person_new, name="person-new"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/tier/", views.person_tier, name="person-tier"),
    path("people/<int:pk>/enrol/", views.person_enrol, name="person-enrol"),
    path("exchanges/", views.exchange_list, name="exchanges"),
    path("exchanges/new/", views.exchange_new, name="exchange-new"),
    path("exchanges/<int:pk>/", views.exchange_detail, name="exchange"),
    path("exchanges/<int:pk>/outcomes/", views.exchange_outcome, name="exchange-outcome"),
    path("exchanges/<int:pk>/<str:step>/", views.exchange_step, name="exchange-step"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/talent.xlsx", views.dashboard_export, name="dashboard-export"),
    path("match/<str:kind>/<int:pk>/", views.match, name="match"),
]
