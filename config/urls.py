"""The URL map.

Every view declares its access policy (zhengwu.core.access); Django admin checks its own.
"""

from django.contrib import admin
from django.urls import include, path

from zhengwu.portal import urls as portal_urls
from zhengwu.portal.cms import admin_urlpatterns

urlpatterns = [
    path("", include("zhengwu.public_site.urls")),
    path("accounts/", include("zhengwu.identity.urls")),
    path("files/", include("zhengwu.files.urls")),
    path("services/", include("zhengwu.eservices.urls")),
    path("signing/", include("zhengwu.signing.urls")),
    path("licences/", include("zhengwu.licences.urls")),
    path("search/", include("zhengwu.search.urls")),
    path("complaints/", include("zhengwu.supervision.urls_public")),
    path("workbench/", include("zhengwu.workbench.urls")),
    path("workbench/audit/", include("zhengwu.audit.urls")),
    path("workbench/calendar/", include("zhengwu.workdays.urls")),
    path("workbench/messages/", include("zhengwu.notify.urls")),
    path("my/messages/", include("zhengwu.notify.urls_public")),
    path("workbench/workflow/", include("zhengwu.workflow.urls")),
    path("workbench/services/", include("zhengwu.eservices.urls_manage")),
    path("workbench/cases/", include("zhengwu.eservices.urls_cases")),
    path("workbench/licences/", include("zhengwu.licences.urls_manage")),
    path("workbench/documents/", include("zhengwu.documents.urls")),
    path("workbench/exchange/", include("zhengwu.exchange.urls")),
    path("workbench/supervision/", include("zhengwu.supervision.urls")),
    path("workbench/admin/", admin.site.urls),
    # The portal (Wagtail): its admin inside the workbench, documents, 政务公开 items, and last of
    # all the catch-all page serving (zhengwu.portal.cms / urls explain the access policies).
    path("workbench/cms/", include(admin_urlpatterns())),
    path("disclosure/", include(portal_urls)),
    *portal_urls.document_urlpatterns,
    *portal_urls.serve_urlpatterns,
]

# Uploaded files are never served by URL: they go through files:download, which checks access.
