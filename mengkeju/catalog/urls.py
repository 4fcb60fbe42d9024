from django.urls import path

from . import views

app_name = "catalog"

# Attachments come before the generic "<pk>/<action>/" lifecycle route.
urlpatterns = [
    path("catalog/import/", views.bulk_import, name="import"),
    path("achievements/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "achievements/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
]
for kind, prefix in (("achievement", "achievements"), ("demand", "demands")):
    urlpatterns += [
        path(f"{prefix}/", views.listing_list, {"kind": kind}, name=f"{kind}-list"),
        path(f"{prefix}/new/", views.listing_create, {"kind": kind}, name=f"{kind}-create"),
        path(f"{prefix}/<int:pk>/", views.listing_detail, {"kind": kind}, name=f"{kind}-detail"),
        path(f"{prefix}/<int:pk>/edit/", views.listing_edit, {"kind": kind}, name=f"{kind}-edit"),
        path(
            f"{prefix}/<int:pk>/<slug:action>/",
            views.listing_transition,
            {"kind": kind},
            name=f"{kind}-transition",
        ),
    ]
urlpatterns += [
    path("experts/", views.expert_list, name="expert-list"),
    path("platforms/", views.platform_list, name="platform-list"),
    path("platforms/<int:pk>/", views.platform_detail, name="platform-detail"),
    path(
        "platforms/<int:pk>/whitelist/<slug:action>/",
        views.platform_whitelist_step,
        name="platform-whitelist-step",
    ),
    path("guidance/", views.guidance_index, name="guidance-index"),
    path("guidance/<int:year>/", views.guidance_detail, name="guidance-detail"),
    path("guidance/<int:year>/publish/", views.guidance_publish, name="guidance-publish"),
    path("guidance/<int:year>/export.xlsx", views.guidance_export, {"fmt": "xlsx"}, name="guidance-xlsx"),
    path("guidance/<int:year>/export.pdf", views.guidance_export, {"fmt": "pdf"}, name="guidance-pdf"),
    path("services/", views.service_list, name="service-list"),
]
