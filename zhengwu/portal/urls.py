"""Portal URLs. ``serve_urlpatterns`` is Wagtail's catch-all: last in config/urls.py."""

from django.urls import include, path, re_path
from wagtail.documents import urls as wagtaildocs_urls

from zhengwu.core.access import public
from zhengwu.portal import views
from zhengwu.portal.cms import declared

app_name = "portal"
urlpatterns = [
    path("item/<int:pk>/", views.disclosure_item, name="disclosure_item"),
]

# Documents (attachments, 表格下载) are served by Wagtail's view, which enforces collection
# privacy itself; the access middleware sees them as public.
document_urlpatterns = [
    path("documents/", include(declared(wagtaildocs_urls.urlpatterns, public))),
    # Wagtail reverses this name when a login-restricted page is requested (even though it then
    # uses WAGTAIL_FRONTEND_LOGIN_URL); without it such pages fail with a server error.
    path("_util/login/", views.wagtail_login, name="wagtailcore_login"),
]

# Same pattern and name as wagtail.urls so Page.url and {% pageurl %} reverse to it.
serve_urlpatterns = [re_path(r"^(?P<path>(?:[\w\-]+/)*)$", views.serve, name="wagtail_serve")]
