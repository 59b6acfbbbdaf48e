"""The staff inbox, mounted at /workbench/messages/ (config/urls.py)."""

from django.urls import path

from zhengwu.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/", views.detail, name="detail"),
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
]
