"""Fill Account.has_second_factor from the devices enrolled before the flag existed."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    Account = apps.get_model("directory", "Account")
    enrolled: set[int] = set()
    for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
        model = apps.get_model(label)
        enrolled |= set(model.objects.filter(confirmed=True).values_list("user_id", flat=True))
    Account.objects.filter(pk__in=enrolled).update(has_second_factor=True)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_account_has_second_factor"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
