from django.urls import path

from zhengwu.supervision import views_public

app_name = "supervision_public"
urlpatterns = [
    path("", views_public.complaint_new, name="new"),
    path("status/", views_public.complaint_status, name="status"),
]
