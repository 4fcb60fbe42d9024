from django.urls import path

from . import directory_views, views

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
    path("directories/import/", directory_views.directory_import, name="directory-import"),
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
    path("platforms/<int:pk>/", directory_views.platform_detail, name="platform-detail"),
    path("experts/<int:pk>/", directory_views.expert_detail, name="expert-detail"),
    path("services/<int:pk>/", directory_views.service_detail, name="service-detail"),
]
# The directories: experts, innovation platforms, services.
for kind, prefix in (("expert", "experts"), ("platform", "platforms"), ("service", "services")):
    urlpatterns += [
        path(f"{prefix}/", directory_views.directory_list, {"kind": kind}, name=f"{kind}-list"),
        path(f"{prefix}/new/", directory_views.directory_create, {"kind": kind}, name=f"{kind}-create"),
        path(f"{prefix}/<int:pk>/edit/", directory_views.directory_edit, {"kind": kind}, name=f"{kind}-edit"),
        path(
            f"{prefix}/<int:pk>/retire/",
            directory_views.directory_retire,
            {"kind": kind},
            name=f"{kind}-retire",
        ),
        path(
            f"{prefix}/<int:pk>/restore/",
            directory_views.directory_restore,
            {"kind": kind},
            name=f"{kind}-restore",
        ),
    ]
