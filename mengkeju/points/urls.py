from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.home, name="home"),
    path("enterprise/", views.enterprise, name="enterprise"),
    path("enterprise/<int:org_id>/", views.enterprise, name="enterprise-of"),
    path("enterprise/<int:org_id>/<int:year>/enter/", views.enter_data, name="enter"),
    path("template/<int:year>.xlsx", views.template, name="template"),
    path("import/", views.import_data, name="import"),
    path("review/", views.review, name="review"),
    path("records/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("records/<int:pk>/return/", views.return_record, name="return"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export.xlsx", views.export, name="export"),
    path("recompute/", views.recompute, name="recompute"),
    path("scores/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("consent/", views.consent, name="consent"),
    path("loans/", views.loans, name="loans"),
    path("loans/enterprise/<int:org_id>/", views.record_loan, name="record-loan"),
    path("loans/<int:pk>/grant/", views.grant_loan, name="grant-loan"),
    path("financing/", views.financing, name="financing"),
]
