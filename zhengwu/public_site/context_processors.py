from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest


def site_identity(request: HttpRequest) -> dict[str, Any]:
    """The website's identity (name, 网站标识码, 备案号, sponsor, contact) for headers and footers.

    ``site_domain`` is the host the page was requested on (the SiteDomain meta tag), falling back
    to the first configured host when the request has none (e.g. rendering outside a request).
    """
    try:
        domain = request.get_host()
    except DisallowedHost:
        domain = (settings.ALLOWED_HOSTS or [""])[0]
    return {"site_identity": settings.ZHENGWU_SITE, "site_domain": domain}
