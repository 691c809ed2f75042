"""Identity numbers in one spelling (security review, finding 3).

Stored numbers written with full-width or other-script digits are rewritten
in ASCII. The function refuses to run while two stored members become the
same number (they must be merged first: ``manage.py id_number_collisions``),
and writes a '~' history row for each member it changes directly into the
history table (historical models in a migration have no history manager);
see ``workflows/registry/collisions.py``. Then both ``id_number`` columns
become ``IdNumberField``, which normalises every later write and lookup (no
schema change on PostgreSQL).
"""

import workflows.registry.fields
import workflows.registry.idnumber
from django.db import migrations

from workflows.registry.collisions import normalise_stored_numbers


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0011_audit_row_hashes'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='member',
            options={'ordering': ['household_id', 'pk'], 'permissions': [('merge_member', '合并重复登记的人员')], 'verbose_name': '家庭成员', 'verbose_name_plural': '家庭成员'},
        ),
        migrations.RunPython(normalise_stored_numbers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='feedrecord',
            name='id_number',
            field=workflows.registry.fields.IdNumberField(db_index=True, max_length=18, verbose_name='身份证号码'),
        ),
        migrations.AlterField(
            model_name='historicalmember',
            name='id_number',
            field=workflows.registry.fields.IdNumberField(db_index=True, max_length=18, validators=[workflows.registry.idnumber.validate_id_number], verbose_name='身份证号码'),
        ),
        migrations.AlterField(
            model_name='member',
            name='id_number',
            field=workflows.registry.fields.IdNumberField(max_length=18, unique=True, validators=[workflows.registry.idnumber.validate_id_number], verbose_name='身份证号码'),
        ),
    ]
