"""Department pages at /workbench/services/ (config/urls.py): on the staff side of the network,
like every other workbench page."""

from django.urls import path

from zhengwu.eservices import views_manage as views

app_name = "eservices_manage"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("new/", views.item_create, name="item_create"),
    path("export/", views.catalogue_export, name="export"),
    path("import/", views.catalogue_import, name="import"),
    path("<int:item_id>/", views.item_detail, name="item_detail"),
    path("<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("<int:item_id>/submit/", views.item_submit, name="item_submit"),
    path("<int:item_id>/offline/", views.item_take_offline, name="item_take_offline"),
    path("<int:item_id>/revision/submit/", views.revision_submit, name="revision_submit"),
    path("<int:item_id>/revision/discard/", views.revision_discard, name="revision_discard"),
]
