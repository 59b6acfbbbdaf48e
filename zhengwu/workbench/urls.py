from django.urls import path

from zhengwu.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_publish, name="notice_publish"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
]
