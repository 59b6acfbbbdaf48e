from django.urls import path

from zhengwu.workflow import admin_views, views

app_name = "workflow"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("instances/<int:instance_id>/", views.instance, name="instance"),
    path("instances/<int:instance_id>/withdraw/", views.instance_withdraw, name="withdraw"),
    path("instances/<int:instance_id>/copy/", views.instance_copy, name="copy"),
    path("instances/<int:instance_id>/terminate/", views.instance_terminate, name="terminate"),
    path("forms/<str:key>/<str:element_id>/", views.task_form_edit, name="task_form"),
    # Process admin (admin_views.py)
    path(
        "instances/<int:instance_id>/diagram/",
        admin_views.instance_diagram,
        name="instance_diagram",
    ),
    path("admin/", admin_views.process_list, name="admin_processes"),
    path("admin/upload/", admin_views.definition_upload, name="admin_upload"),
    path("admin/editor/", admin_views.modeler, name="admin_new"),
    path("admin/deploy/", admin_views.deploy_xml, name="admin_deploy"),
    path("admin/definitions/<int:pk>/", admin_views.definition_detail, name="admin_definition"),
    path("admin/definitions/<int:pk>/bpmn/", admin_views.definition_bpmn, name="admin_bpmn"),
    path("admin/definitions/<int:pk>/edit/", admin_views.modeler, name="admin_edit"),
    path("admin/definitions/<int:pk>/rules/", admin_views.rule_set, name="admin_rule"),
    path("admin/processes/<str:key>/migrate/", admin_views.migrate, name="admin_migrate"),
]
