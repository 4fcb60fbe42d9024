from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mengkeju.network.urls import urlpatterns as network_pages
from mengkeju.portal.broker_pages import broker_detail, broker_level_set
from mengkeju.portal.network_pages import organization_detail

# network sits below catalog; its organization page lists catalog records, so portal (the shell) serves it.
network_urls = (
    [
        *network_pages,
        path("organizations/<str:code>/", organization_detail, name="organization"),
        path("brokers/<int:pk>/", broker_detail, name="broker"),
        path("brokers/<int:pk>/level/", broker_level_set, name="broker-level"),
    ],
    "network",
)

# No route serves MEDIA_URL: uploaded files are answered only by download views that check the
# permission of their record (mengkeju.core.files).
urlpatterns = [
    path("", include("mengkeju.portal.urls")),
    path("", include("mengkeju.catalog.urls")),
    path("network/", include(network_urls)),
    path("deals/", include("mengkeju.deals.urls")),
    path("challenges/", include("mengkeju.challenges.urls")),
    path("inquiries/", include("mengkeju.inquiries.urls")),
    path("statistics/", include("mengkeju.insights.urls")),
    path("chains/", include("mengkeju.insights.chain_urls")),
    path("", include("mengkeju.matching.urls")),
    path("", include("mengkeju.jobs.urls")),
    path("", include("mengkeju.ops.urls")),
    path("notifications/", include("mengkeju.notifications.urls")),
    path("licensing/", include("mengkeju.licensing.urls")),
    path("points/", include("mengkeju.points.urls")),
    path("progress/", include("mengkeju.progress.urls")),
    path("bookings/", include("mengkeju.bookings.urls")),
    path("talent/", include("mengkeju.talent.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", include("mengkeju.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/licensing/", include("mengkeju.licensing.api.urls")),
    path("api/deals/", include("mengkeju.deals.api.urls")),
    path("api/points/", include("mengkeju.points.api.urls")),
    path("api/challenges/", include("mengkeju.challenges.api.urls")),
    path("api/inquiries/", include("mengkeju.inquiries.api.urls")),
    path("api/chain-map/", include("mengkeju.insights.chain_api_urls")),
    path("api/guidance/", include("mengkeju.catalog.api.urls")),
    path("api/ladder/", include("mengkeju.network.api_urls")),
    path("api/bookings/", include("mengkeju.bookings.api.urls")),
    path("api/talent/", include("mengkeju.talent.api.urls")),
    path("api/", include("mengkeju.portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

handler404 = "mengkeju.core.views.not_found"
handler500 = "mengkeju.core.views.server_error"
handler400 = "mengkeju.core.views.bad_request"
handler403 = "mengkeju.core.views.permission_denied"
