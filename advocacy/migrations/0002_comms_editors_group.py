"""Formerly created the "Comms editors" group, with page publish rights on the root of the page
tree (every site of the install).

Roles now come from ``manage.py newsletter_setup_roles [--pages PAGE_ID ...]``, scoped to the
pages given (see ``newsletter/roles.py``), so this migration does nothing. It stays, with its
dependencies, so the migration graph of existing installs is unchanged; their group is kept
(run the command with ``--pages`` to narrow its page permissions).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("advocacy", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
