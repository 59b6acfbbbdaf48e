from django.urls import path

from zhengwu.files import views

app_name = "files"
urlpatterns = [
    path("<uuid:file_id>/download/", views.download, name="download"),
]
