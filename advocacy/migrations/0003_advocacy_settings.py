"""Advocacy settings: the default donation appeal moves here from the newsletter settings.

The newsletter app no longer knows about donation appeals (it installs without advocacy), so
its settings lost the ``default_donation_appeal`` column: on a database created by an earlier
version, each site's value is copied here and the old column is dropped; on a new database
that column never existed and there is nothing to move.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_TABLE = "newsletter_newslettersettings"
OLD_COLUMN = "default_donation_appeal_id"


def _old_column_exists(schema_editor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return False
        columns = connection.introspection.get_table_description(cursor, OLD_TABLE)
    return any(column.name == OLD_COLUMN for column in columns)


def move_default_appeal(apps, schema_editor):
    if not _old_column_exists(schema_editor):
        return
    quote = schema_editor.quote_name
    AdvocacySettings = apps.get_model("advocacy", "AdvocacySettings")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT site_id, {quote(OLD_COLUMN)} FROM {quote(OLD_TABLE)} "
            f"WHERE {quote(OLD_COLUMN)} IS NOT NULL"
        )
        for site_id, appeal_id in cursor.fetchall():
            AdvocacySettings.objects.update_or_create(
                site_id=site_id, defaults={"default_donation_appeal_id": appeal_id}
            )
    # Drop the old column with Django's schema editor (SQLite rebuilds the table; PostgreSQL
    # drops the foreign key first), described by a field the historical model no longer has.
    NewsletterSettings = apps.get_model("newsletter", "NewsletterSettings")
    old_field = models.ForeignKey(
        "advocacy.DonationAppeal", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_field.set_attributes_from_name("default_donation_appeal")
    old_field.model = NewsletterSettings
    old_field.remote_field.model = apps.get_model("advocacy", "DonationAppeal")
    schema_editor.remove_field(NewsletterSettings, old_field)


class Migration(migrations.Migration):
    dependencies = [
        ("advocacy", "0002_comms_editors_group"),
        ("newsletter", "0003_issues"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="AdvocacySettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("default_donation_appeal", models.ForeignKey(blank=True, help_text="Used by a newsletter's donation appeal block when it names no appeal, and added to issues started from recent content.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="advocacy.donationappeal")),
                ("site", models.OneToOneField(editable=False, on_delete=django.db.models.deletion.CASCADE, to="wagtailcore.site")),
            ],
            options={"verbose_name": "advocacy settings"},
        ),
        migrations.RunPython(move_default_appeal, migrations.RunPython.noop),
    ]
