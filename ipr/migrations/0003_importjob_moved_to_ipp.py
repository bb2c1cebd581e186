"""The bulk import job is now ``ipp.ImportJob`` (see ipp 0003, which keeps its table and rows)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ipr', '0002_importjob'),
        ('ipp', '0003_importjob_from_ipr'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='ImportJob')], database_operations=[]),
    ]
