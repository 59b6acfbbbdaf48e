from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site_identity(request: HttpRequest) -> dict[str, Any]:
    """The website's identity (name, 网站标识码, 备案号, sponsor) for headers and footers."""
    return {"site_identity": settings.ZHENGWU_SITE}
