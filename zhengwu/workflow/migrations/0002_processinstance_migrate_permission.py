from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="processinstance",
            options={
                "ordering": ["-started_at", "-pk"],
                "permissions": [
                    ("migrate_processinstance", "Can move running instances to another version")
                ],
                "verbose_name": "process instance",
                "verbose_name_plural": "process instances",
            },
        ),
    ]
