"""Upgrading a database made by 0.1: the default donation appeal moves from the newsletter
settings to the advocacy settings, and the newsletter's old column goes (nothing lost)."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("advocacy", "0002_comms_editors_group"),
    ("newsletter", "0007_lean_deliveries_claimed_batches"),
]
MOVE = [("advocacy", "0003_advocacy_settings")]


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # like every such test here
def test_each_sites_default_appeal_moves_to_the_advocacy_settings():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    settings_model = old.get_model("newsletter", "NewsletterSettings")
    appeal_model = old.get_model("advocacy", "DonationAppeal")
    # The column as version 0.1's migration 0003 created it.
    column = models.ForeignKey(appeal_model, null=True, on_delete=models.SET_NULL, related_name="+")
    column.set_attributes_from_name("default_donation_appeal")
    column.model = settings_model
    with connection.schema_editor() as editor:
        editor.add_field(settings_model, column)
    site = old.get_model("wagtailcore", "Site").objects.get(is_default_site=True)
    appeal = appeal_model.objects.create(
        name="Ramadan", headline="Give", message="<p>Please</p>", button_url="https://x.org"
    )
    saved = settings_model.objects.create(site_id=site.pk, reason="Because")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE newsletter_newslettersettings SET default_donation_appeal_id = %s "
            "WHERE id = %s",
            [appeal.pk, saved.pk],
        )

    executor = MigrationExecutor(connection)
    executor.migrate(MOVE)

    new = executor.loader.project_state(MOVE).apps
    moved = new.get_model("advocacy", "AdvocacySettings").objects.get(site_id=site.pk)
    assert moved.default_donation_appeal_id == appeal.pk
    assert "default_donation_appeal_id" not in _columns("newsletter_newslettersettings")
    assert new.get_model("newsletter", "NewsletterSettings").objects.get().reason == "Because"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
