from django.urls import path

from . import views

app_name = "inquiries"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sub-center/", views.node_inbox, name="node"),
    path("new/<slug:kind>/<int:pk>/", views.inquire, name="new"),
    path("<int:pk>/", views.thread_detail, name="thread"),
    path("<int:pk>/reply/", views.thread_reply, name="reply"),
    path("<int:pk>/convert/", views.thread_convert, name="convert"),
    path("<int:pk>/close/", views.thread_close, name="close"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
