from django.urls import path

from zhengwu.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/file/<int:file_pk>/", views.delivery_file, name="delivery_file"),
    path("deliveries/<int:pk>/sign/", views.delivery_sign, name="delivery_sign"),
    path("deliveries/<int:pk>/refuse/", views.delivery_refuse, name="delivery_refuse"),
    path("sent/", views.dispatch_list, name="dispatch_list"),
    path("sent/<int:pk>/", views.tracking, name="tracking"),
    path("sent/<int:pk>/remind/", views.dispatch_remind, name="dispatch_remind"),
    path("sent/<int:pk>/withdraw/", views.dispatch_withdraw, name="dispatch_withdraw"),
    path("received/", views.received_list, name="received_list"),
    path("received/paper/", views.paper_register, name="paper_register"),
    path("received/<int:pk>/", views.received_detail, name="received_detail"),
    path("received/<int:pk>/file/<int:file_pk>/", views.received_file, name="received_file"),
    path("received/<int:pk>/read/", views.received_mark_read, name="received_mark_read"),
    path("received/<int:pk>/archive/", views.received_archive, name="received_archive"),
    path("archive/", views.archive_list, name="archive_list"),
    path("archive/export/", views.archive_export, name="archive_export"),
    path("archive/<int:pk>/file/<str:which>/", views.archive_file, name="archive_file"),
]
