from django.urls import path

from . import views

app_name = "challenges"

urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("overview/", views.overview, name="overview"),
    path("overview/export.xlsx", views.overview_export, name="overview-export"),
    path("workspace/", views.workspace, name="workspace"),
    path("new/", views.challenge_create, name="create"),
    path("<int:pk>/", views.challenge_detail, name="detail"),
    path("<int:pk>/edit/", views.challenge_edit, name="edit"),
    path("<int:pk>/act/<str:action>/", views.challenge_action, name="action"),
    path("<int:pk>/apply/", views.application_create, name="apply"),
    path("<int:pk>/panel/", views.panel, name="panel"),
    path("<int:pk>/objection/", views.objection_create, name="objection"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection-resolve"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/act/<str:action>/", views.application_action, name="application-action"),
    path("applications/<int:pk>/cofunding/", views.cofunding_report, name="cofunding"),
    path("applications/<int:pk>/score/", views.scorecard, name="score"),
    path("milestones/<int:pk>/evidence/", views.evidence_upload, name="evidence"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-file"),
    path("milestones/<int:pk>/accept/", views.milestone_accept, name="accept"),
    path("milestones/<int:pk>/release/", views.tranche_release, name="release"),
    path("awards/<int:pk>/drop/", views.team_drop, name="drop"),
]
