from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("", views.licence_list, name="licence-list"),
    path("new/", views.licence_create, name="licence-create"),
    path("new/use-first-pay-later/", views.licence_create, {"trial": True}, name="licence-create-trial"),
    path("<int:pk>/", views.licence_detail, name="licence-detail"),
    path("<int:pk>/royalty-reports/new/", views.royalty_report_create, name="royalty-report-create"),
    path("<int:pk>/payments/new/", views.payment_create, name="payment-create"),
    path("<int:pk>/<slug:action>/", views.licence_action, name="licence-action"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("open/", views.declaration_list, name="declaration-list"),
    path("open/new/", views.declaration_create, name="declaration-create"),
    path("open/<int:pk>/", views.declaration_detail, name="declaration-detail"),
    path("open/<int:pk>/accept/", views.declaration_accept, name="declaration-accept"),
    path("open/<int:pk>/withdraw/", views.declaration_withdraw, name="declaration-withdraw"),
    path("revenue-policy/", views.revenue_policy, name="revenue-policy"),
]
