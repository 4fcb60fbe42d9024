from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("jobs/<int:pk>/", views.run_page, name="run"),
    path("jobs/<int:pk>/progress", views.run_progress, name="run-progress"),
]
