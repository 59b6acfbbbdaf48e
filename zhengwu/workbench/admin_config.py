from django.contrib.admin.apps import AdminConfig


class ZhengwuAdminConfig(AdminConfig):
    """Django admin with the platform's own site (see admin_site.py)."""

    default_site = "zhengwu.workbench.admin_site.ZhengwuAdminSite"
