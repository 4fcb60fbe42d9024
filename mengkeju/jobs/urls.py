from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("jobs/<int:pk>/", views.run_page, name="run"),
    path("jobs/<int:pk>/progress", views.run_progress, name="run-progress"),
]
