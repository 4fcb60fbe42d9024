from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("settings/", views.preferences, name="preferences"),
    path("read-all/", views.read_all, name="read-all"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.read, name="read"),
]
