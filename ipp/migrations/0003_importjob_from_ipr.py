"""The bulk import job moves from ``ipr`` to ``ipp`` and serves both imports (IP rights, complaints).

Its rows are kept: the model is taken over as it stood (state only; ``ipr`` lets go of it
in its 0003), its table renamed from ``ipr_importjob``, and every existing job is an IPR
import. Problems were kept as sentences; they become {line, column, value, message, code}
like the new ones (a sentence keeps no line: it is shown whole, as before).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def problems_as_records(apps, schema_editor):
    ImportJob = apps.get_model("ipp", "ImportJob")
    for job in ImportJob.objects.exclude(problems=[]).only("pk", "problems").iterator():
        if any(isinstance(problem, str) for problem in job.problems):
            job.problems = [
                {"line": None, "column": "", "value": "", "message": problem, "code": ""} if isinstance(problem, str)
                else problem for problem in job.problems]
            job.save(update_fields=["problems"])


class Migration(migrations.Migration):

    dependencies = [
        ('ipp', '0002_document_thumbnail'),
        ('ipr', '0002_importjob'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Importing'), ('failed', 'Not imported: problems found'), ('done', 'Imported'), ('error', 'Not imported: something went wrong')], default='queued', max_length=10)),
                        ('phase', models.CharField(blank=True, choices=[('checking', 'Checking the rows'), ('saving', 'Saving the records')], max_length=10)),
                        ('language', models.CharField(default='en', max_length=10)),
                        ('csv_name', models.CharField(blank=True, help_text="The CSV's name as uploaded (shown only).", max_length=255)),
                        ('zip_name', models.CharField(blank=True, help_text="The ZIP's name as uploaded (shown only).", max_length=255)),
                        ('csv_path', models.CharField(blank=True, max_length=255)),
                        ('zip_path', models.CharField(blank=True, max_length=255)),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('processed_rows', models.PositiveIntegerField(default=0)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('records', models.PositiveIntegerField(default=0)),
                        ('submitted', models.PositiveIntegerField(default=0)),
                        ('drafts', models.PositiveIntegerField(default=0)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'IPR import',
                        'verbose_name_plural': 'IPR imports',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['owner', '-created_at'], name='importjob_owner_recent')],
                        'db_table': 'ipr_importjob',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='importjob', table=None),
        migrations.AlterModelOptions(
            name='importjob',
            options={'ordering': ['-created_at', '-pk'], 'verbose_name': 'import', 'verbose_name_plural': 'imports'},
        ),
        migrations.AddField(
            model_name='importjob',
            name='kind',
            field=models.CharField(choices=[('ipr', 'IP rights'), ('complaints', 'Complaints')], default='ipr', max_length=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='importjob',
            name='created_ids',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='phase',
            field=models.CharField(blank=True, choices=[('checking', 'Checking the rows'), ('saving', 'Saving what the rows hold')], max_length=10),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='records',
            field=models.PositiveIntegerField(default=0, help_text='How many records the import created.'),
        ),
        migrations.RemoveIndex(model_name='importjob', name='importjob_owner_recent'),
        migrations.AddIndex(
            model_name='importjob',
            index=models.Index(fields=['owner', 'kind', '-created_at'], name='importjob_owner_kind_recent'),
        ),
        migrations.RunPython(problems_as_records, migrations.RunPython.noop),
    ]
