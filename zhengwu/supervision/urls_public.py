from django.urls import URLPattern

app_name = "supervision_public"
urlpatterns: list[URLPattern] = []
