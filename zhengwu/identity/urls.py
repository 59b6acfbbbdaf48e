from django.urls import path

from zhengwu.identity import views

app_name = "identity"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("totp/setup/", views.totp_setup_view, name="totp_setup"),
    path("totp/verify/", views.totp_verify_view, name="totp_verify"),
]
