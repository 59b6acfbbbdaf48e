"""The URL map.

Every view declares its access policy (zhengwu.core.access); Django admin checks its own.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("zhengwu.public_site.urls")),
    path("accounts/", include("zhengwu.identity.urls")),
    path("files/", include("zhengwu.files.urls")),
    path("workbench/", include("zhengwu.workbench.urls")),
    path("workbench/audit/", include("zhengwu.audit.urls")),
    path("workbench/calendar/", include("zhengwu.workdays.urls")),
    path("workbench/messages/", include("zhengwu.notify.urls")),
    path("workbench/workflow/", include("zhengwu.workflow.urls")),
    path("workbench/admin/", admin.site.urls),
]

# Uploaded files are never served by URL: they go through files:download, which checks access.
