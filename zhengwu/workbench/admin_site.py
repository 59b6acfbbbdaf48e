"""The system administrators' maintenance UI (Django admin, in Chinese, inside the workbench)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class ZhengwuAdminSite(admin.AdminSite):
    site_header = _("Yunze City e-government platform: system administration")
    site_title = _("System administration")
    index_title = _("Maintenance")

    def has_permission(self, request: HttpRequest) -> bool:
        # Only staff who hold at least one model permission (through a role) may enter.
        user = request.user
        return bool(user.is_active and user.is_staff and user.get_all_permissions())

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        # One login for the whole platform, with lockout and the second factor.
        return redirect_to_login(request.GET.get("next", "/workbench/admin/"), settings.LOGIN_URL)
