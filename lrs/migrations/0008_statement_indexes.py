"""Per-credential xAPI settings, and partial statement indexes for the write path."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lrs", "0007_forwarding"),
    ]

    operations = [
        migrations.AddField(
            model_name="lrsclient",
            name="assumed_version",
            field=models.CharField(
                choices=[("1.0.3", "xAPI 1.0.3"), ("2.0.0", "xAPI 2.0.0")],
                default="1.0.3",
                help_text="A request without X-Experience-API-Version is refused; the refusal speaks this version.",
                max_length=5,
                verbose_name="xAPI version assumed when a request names none",
            ),
        ),
        migrations.AddField(
            model_name="lrsclient",
            name="profile_concurrency",
            field=models.CharField(
                choices=[
                    ("xapi2", "Strict for xAPI 2.0 requests only"),
                    ("strict", "Strict for every request"),
                    ("lenient", "Never (only a replacement of an existing profile is refused)"),
                ],
                default="xapi2",
                help_text="A PUT creating an activity or agent profile without If-Match or If-None-Match is answered 400 when strict.",
                max_length=8,
                verbose_name="strict concurrency: refuse profile writes without If-Match/If-None-Match",
            ),
        ),
        # Partial indexes: only the rows with an Agent object, a voided target or a
        # StatementRef target (few) are indexed, so writes maintain fewer entries.
        migrations.RemoveIndex(model_name="statement", name="lrs_st_object_agent"),
        migrations.RemoveIndex(model_name="statement", name="lrs_st_voids"),
        migrations.RemoveIndex(model_name="statement", name="lrs_st_ref"),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(
                condition=~models.Q(object_agent_key=""),
                fields=["institution", "object_agent_key", "stored"],
                name="lrs_st_object_agent",
            ),
        ),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(
                condition=models.Q(voids__isnull=False), fields=["voids"], name="lrs_st_voids"
            ),
        ),
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(
                condition=models.Q(ref_target__isnull=False),
                fields=["institution", "ref_target", "stored"],
                name="lrs_st_ref",
            ),
        ),
    ]
