"""The URL map. Every view declares its access policy (zhengwu.core.access); admin checks its own."""

from django.conf import settings
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
    path("workbench/admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
