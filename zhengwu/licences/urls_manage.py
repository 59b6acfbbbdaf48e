"""Staff pages at /workbench/licences/ (config/urls.py)."""

from django.urls import path

from zhengwu.licences import views_manage as views

app_name = "licences_manage"
urlpatterns = [
    path("", views.licence_list, name="list"),
    path("export/", views.licence_export, name="export"),
    path("<int:licence_id>/", views.licence_detail, name="detail"),
    path("<int:licence_id>/revoke/", views.licence_revoke, name="revoke"),
]
