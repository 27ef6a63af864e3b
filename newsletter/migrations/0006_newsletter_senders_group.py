"""Formerly created the "Newsletter senders" group.

Roles now come from ``manage.py newsletter_setup_roles`` (see ``newsletter/roles.py``), so
this migration does nothing. It stays, with its dependencies, so the migration graph of
existing installs is unchanged; their group is kept.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0005_provider_ended_how")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
