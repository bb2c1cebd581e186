# Its own migration: PostgreSQL refuses to alter a table in the transaction that just deleted
# rows from it (pending trigger events), and 0002 removes items that have no listing.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0002_platforms_listings_filing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="complaintitem",
            name="listing",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="complaint_items", to="complaints.listing"),
        ),
    ]
