from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"

# Password reset: Django's own views (its token generator, its e-mail), with our templates.
reset = {
    "email_template_name": "registration/password_reset_email.txt",
    "subject_template_name": "registration/password_reset_subject.txt",
    "success_url": reverse_lazy("accounts:password-reset-done"),
}

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("register/", views.register, name="register"),
    path("join/", views.join, name="join"),
    path("organization/", views.organization, name="organization"),
    path("organization/invite/", views.invite, name="invite"),
    path(
        "organization/requests/<int:pk>/<str:decision>/",
        views.decide_join_request,
        name="join-request-decide",
    ),
    path("organization/members/<int:pk>/remove/", views.remove_member, name="remove-member"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("email/confirm/<str:token>/", views.verify_email, name="verify-email"),
    path("email/resend/", views.resend_email, name="resend-email"),
    path("verifications/", views.verifications, name="verifications"),
    path("verifications/<str:code>/", views.verification, name="verification"),
    path("password/reset/", auth_views.PasswordResetView.as_view(**reset), name="password-reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password-reset-complete")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
