from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("subscriptions/", views.subscribe, name="subscribe"),
    path("subscriptions/<int:pk>/delete/", views.unsubscribe, name="unsubscribe"),
]
