"""Row hashes recorded when written; checkpoints chained (docs/audit.md).

The links of the old chain (``AuditSeal``) become sealed ``AuditRowHash``
rows, unchanged. Audit rows written since the last seal have no recorded
hash: they get their current one here, once (the only time a hash is
recorded after the write). A retention checkpoint cannot be carried over
into the new design; none can exist yet (the chain is younger than the
180-day retention period), so the migration refuses if one does.
"""

import django.utils.timezone
from django.db import migrations, models


def adopt(apps, schema_editor):
    from workflows.audit.rows import digest, read_rows

    connection = schema_editor.connection
    Checkpoint = apps.get_model("workflows", "AuditCheckpoint")
    Seal = apps.get_model("workflows", "AuditSeal")
    RowHash = apps.get_model("workflows", "AuditRowHash")
    if Checkpoint.objects.exists():
        raise RuntimeError(
            "An audit retention checkpoint exists; this migration cannot carry it "
            "into the chained checkpoints. Restore the chain from before the purge."
        )
    RowHash.objects.bulk_create(
        [
            RowHash(
                table=s.table,
                row_id=s.row_id,
                row_hash=s.row_hash,
                recorded_at=s.sealed_at,
                seq=s.seq,
                chain_hash=s.chain_hash,
                sealed_at=s.sealed_at,
            )
            for s in Seal.objects.order_by("seq").iterator(chunk_size=5000)
        ],
        batch_size=1000,
    )
    tables = {
        (m._meta.db_table, m._meta.pk.column)
        for m in apps.get_models(include_auto_created=True)
        if m._meta.object_name.startswith("Historical")
    } | {("workflows_sensitiveaccess", "id")}
    sealed = {}
    for table, row_id in RowHash.objects.values_list("table", "row_id"):
        sealed.setdefault(table, set()).add(row_id)
    for table, pk in sorted(tables):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "{pk}" FROM "{table}" ORDER BY "{pk}"')
            ids = [i for (i,) in cursor.fetchall() if i not in sealed.get(table, ())]
        for start in range(0, len(ids), 900):
            rows = read_rows(table, pk, ids[start : start + 900], using=connection.alias)
            RowHash.objects.bulk_create(
                [RowHash(table=table, row_id=i, row_hash=digest(t)) for i, t in rows.items()]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0004_hotline_escalation"),
        ("workflows", "0010_security_review"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditRowHash",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table", models.CharField(max_length=80, verbose_name="表")),
                ("row_id", models.BigIntegerField(verbose_name="记录")),
                ("row_hash", models.CharField(max_length=64, verbose_name="记录散列")),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="记录时间"
                    ),
                ),
                (
                    "seq",
                    models.BigIntegerField(
                        blank=True, null=True, unique=True, verbose_name="链序号"
                    ),
                ),
                (
                    "chain_hash",
                    models.CharField(
                        blank=True, default="", max_length=64, verbose_name="链散列"
                    ),
                ),
                (
                    "sealed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="封存时间"),
                ),
            ],
            options={
                "verbose_name": "审计链",
                "verbose_name_plural": "审计链",
            },
        ),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="previous_hash",
            field=models.CharField(
                default="0" * 64, max_length=64, verbose_name="上一清理记录散列"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="rows_kept",
            field=models.PositiveIntegerField(
                default=0, verbose_name="保留的最新历史记录数"
            ),
        ),
        migrations.AddIndex(
            model_name="auditrowhash",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)),
                fields=["id"],
                name="audit_rowhash_unsealed",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditrowhash",
            constraint=models.UniqueConstraint(
                fields=("table", "row_id"), name="one_hash_per_row"
            ),
        ),
        migrations.RunPython(adopt, migrations.RunPython.noop),
        migrations.DeleteModel(name="AuditSeal"),
    ]
