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


class MoveDefaultAppeal(migrations.operations.base.Operation):
    """Copy each site's old default appeal into the advocacy settings, then drop the column
    (a database-only change: the column is in no migration state any more)."""

    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _old_column_exists(schema_editor):
            return
        quote = schema_editor.quote_name
        settings_model = to_state.apps.get_model("advocacy", "AdvocacySettings")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT site_id, {quote(OLD_COLUMN)} FROM {quote(OLD_TABLE)} "
                f"WHERE {quote(OLD_COLUMN)} IS NOT NULL"
            )
            for site_id, appeal_id in cursor.fetchall():
                settings_model.objects.update_or_create(
                    site_id=site_id, defaults={"default_donation_appeal_id": appeal_id}
                )
        # Describe the old column in a copy of the state, so Django's schema editor drops it
        # the way each database needs (SQLite rebuilds the table, PostgreSQL drops the key).
        old_state = from_state.clone()
        old_field = models.ForeignKey(
            "advocacy.DonationAppeal", null=True, on_delete=models.SET_NULL, related_name="+"
        )
        old_state.add_field(
            "newsletter", "newslettersettings", "default_donation_appeal", old_field, True
        )
        model = old_state.apps.get_model("newsletter", "NewsletterSettings")
        schema_editor.remove_field(model, model._meta.get_field("default_donation_appeal"))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # the appeal stays in the advocacy settings, which the reverse step drops

    def describe(self):
        return "Move the default donation appeal from the newsletter settings"


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
        MoveDefaultAppeal(),
    ]
