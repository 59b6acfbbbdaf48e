from django.urls import path

from zhengwu.public_site import views

app_name = "public_site"
urlpatterns = [
    path("", views.home, name="home"),
    path("sitemap/", views.sitemap, name="sitemap"),
    path("contact/", views.contact, name="contact"),
]
