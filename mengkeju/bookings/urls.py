from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.offering_list, name="offerings"),
    path("offerings/new/", views.offering_create, name="offering-create"),
    path("offerings/<int:pk>/", views.offering_detail, name="offering"),
    path("offerings/<int:pk>/documents/", views.document_add, name="document-add"),
    path("offerings/<int:pk>/documents/<int:doc>/", views.document_download, name="document"),
    path("mine/", views.my_bookings, name="mine"),
    path("<int:pk>/", views.booking_detail, name="booking"),
    path("<int:pk>/report/", views.report_download, name="report"),
    path("<int:pk>/<slug:action>/", views.booking_step, name="step"),
    path("platforms/<int:pk>/record/", views.platform_record, name="platform-record"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.xlsx", views.dashboard_export, name="dashboard-export"),
]
