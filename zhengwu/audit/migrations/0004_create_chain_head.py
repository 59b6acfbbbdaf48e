"""Create the single chain-head row up front, so that appends only ever lock an existing row.

Without it the first two concurrent writers would both try to create the head; with it, every
append is a plain ``SELECT … FOR UPDATE`` on pk=1 (see docs/modules/audit.md).
"""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    db = schema_editor.connection.alias
    if AuditChainHead.objects.using(db).filter(pk=1).exists():
        return
    # A database written before this migration already has entries: start the head at its tail.
    last = AuditEntry.objects.using(db).order_by("-seq").first()
    AuditChainHead.objects.using(db).create(
        pk=1,
        last_seq=last.seq if last else 0,
        last_hash=last.entry_hash if last else GENESIS_HASH,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_options_and_indexes"),
    ]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
