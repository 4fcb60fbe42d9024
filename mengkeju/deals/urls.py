from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("open/", views.deal_open, name="deal-open"),
    path("<int:pk>/", views.deal_detail, name="deal-detail"),
    path("<int:pk>/transition/", views.deal_transition, name="deal-transition"),
    path("<int:pk>/contact/", views.deal_contact, name="deal-contact"),
    path("<int:pk>/contract/", views.contract_create, name="deal-contract-create"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/submit/", views.contract_submit, name="contract-submit"),
    path("registrations/", views.registration_queue, name="registration-queue"),
    path("registrations/<int:pk>/register/", views.registration_register, name="registration-register"),
    path("registrations/<int:pk>/refuse/", views.registration_refuse, name="registration-refuse"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("registrations/<int:pk>/amend/", views.registration_amend, name="registration-amend"),
    path("registrations/<int:pk>/dispute/", views.registration_dispute, name="registration-dispute"),
    path(
        "registrations/<int:pk>/expert-review/",
        views.registration_expert_review,
        name="registration-expert-review",
    ),
    path("verify/", views.verify, name="verify"),
    path(
        "registrations/<int:pk>/certificate.pdf",
        views.registration_certificate,
        name="registration-certificate",
    ),
]
