from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicSiteConfig(AppConfig):
    name = "zhengwu.public_site"
    verbose_name = _("Public site")
