from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "zhengwu.identity"
    verbose_name = _("Identity")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django_otp import device_classes

        # Account.has_second_factor follows every device change, however it is made.
        for device_class in device_classes():
            post_save.connect(_device_changed, sender=device_class, weak=False)
            post_delete.connect(_device_changed, sender=device_class, weak=False)


def _device_changed(instance: Any, **_kwargs: Any) -> None:
    from zhengwu.identity.actions import second_factor_flag_refresh

    second_factor_flag_refresh(account_id=instance.user_id)
