from django.urls import URLPattern

app_name = "licences"
urlpatterns: list[URLPattern] = []
