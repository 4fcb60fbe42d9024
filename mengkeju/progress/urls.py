from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("", views.my_listings, name="mine"),
    path("<str:kind>/<int:pk>/", views.listing_progress, name="listing"),
]
