from django.urls import path

from zhengwu.workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("instances/<int:instance_id>/", views.instance, name="instance"),
    path("instances/<int:instance_id>/withdraw/", views.instance_withdraw, name="withdraw"),
    path("instances/<int:instance_id>/copy/", views.instance_copy, name="copy"),
]
