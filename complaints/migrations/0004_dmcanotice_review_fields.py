# DMCA notices sent through the public form: what the reviewer's identity check needs.
# No notice exists before this migration (the form comes with it), so the one-off
# defaults below never reach a row.

import datetime

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0003_complaintitem_listing_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="dmcanotice",
            name="rejection_reason",
            field=models.CharField(blank=True, choices=[
                ("signature", "The signature is missing or does not match the notifier's name."),
                ("not_owner", "The notifier is not the copyright owner or authorised to act for the owner."),
                ("contact_unreachable", "The contact details given could not be reached."),
                ("work_not_identified", "The copyrighted work is not identified."),
                ("not_copyright", "This is not a copyright matter."),
                ("other", "Other (see the note)."),
            ], max_length=20),
        ),
        migrations.AddField(
            model_name="dmcanotice",
            name="statements_text",
            field=models.TextField(default="", verbose_name="statements made"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dmcanotice",
            name="language",
            field=models.CharField(choices=[("en", "English"), ("zh-hans", "Simplified Chinese")], default="en",
                                   max_length=10),
        ),
        migrations.AddField(
            model_name="dmcanotice",
            name="due_on",
            field=models.DateField(default=datetime.date(2026, 1, 1), help_text=(
                "Reviewers check the identity by this date (working days, China's calendar)."),),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dmcanotice",
            name="submitted_ip",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="dmcanotice",
            name="user_agent",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddConstraint(
            model_name="dmcanotice",
            constraint=models.CheckConstraint(condition=models.Q(("status", "rejected"), _negated=True)
                                              | models.Q(("rejection_reason__gt", "")),
                                              name="rejected_dmca_notice_has_reason"),
        ),
    ]
