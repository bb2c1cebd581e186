# The listing search (the catalogue adapter's `title__icontains`, one condition per word: UPPER(title) LIKE
# UPPER('%word%')) read every listing of the platform; a trigram index on the same expression answers it
# (bench/run.py, docs/benchmarks.md). PostgreSQL only: SQLite has no trigram index, and there the search stays a scan.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "listing_title_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaints_listing "
                              "USING gin ((UPPER(title::text)) gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0007_performance_indexes'),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create_index, drop_index),
    ]
