"""Public catalogue at /services/ (config/urls.py)."""

from django.urls import path

from zhengwu.eservices import views, views_apply

app_name = "eservices"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("search/", views.search, name="search"),
    path("departments/<int:organisation_id>/", views.department, name="department"),
    path("topics/<slug:code>/", views.topic, name="topic"),
    path("life-events/<slug:code>/", views.life_event, name="life_event"),
    path("items/<slug:code>/", views.guide, name="guide"),
    path("items/<slug:code>/apply/", views_apply.apply, name="apply"),
    path("my/", views_apply.my_applications, name="my_applications"),
    path("my/<int:pk>/", views_apply.application_detail, name="application_detail"),
    path("query/", views_apply.query, name="query"),
    path("disclosure/", views_apply.disclosure, name="disclosure"),
    path(
        "items/<slug:code>/materials/<int:material_id>/<slug:kind>/",
        views.material_file,
        name="material_file",
    ),
]
