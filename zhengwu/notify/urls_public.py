"""The inbox of citizens and enterprises, mounted at /my/messages/ (config/urls.py)."""

from django.urls import path

from zhengwu.notify import views

app_name = "my_messages"
urlpatterns = [
    path("", views.public_inbox, name="inbox"),
    path("<int:message_id>/", views.public_detail, name="detail"),
    path("<int:message_id>/read/", views.public_mark_read, name="mark_read"),
    path("read-all/", views.public_mark_all_read, name="mark_all_read"),
]
