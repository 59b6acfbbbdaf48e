from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentifiersConfig(AppConfig):
    name = "zhengwu.identifiers"
    verbose_name = _("Identifiers")
