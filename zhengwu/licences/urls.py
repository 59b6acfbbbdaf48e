from django.urls import path

from zhengwu.licences import views

app_name = "licences"
urlpatterns = [
    path("verify/", views.verify_upload, name="verify_upload"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("my/", views.my_licences, name="my"),
]
