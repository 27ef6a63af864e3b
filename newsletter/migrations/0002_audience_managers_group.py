"""Create the "Audience managers" group: see, add, change, delete, import and export
subscribers, lists and suppressions. Page editors ("Comms editors") get none of this."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Audience managers"
MODELS = ["subscriber", "subscription", "mailinglist", "suppression"]
EXTRA = ["export_subscribers", "import_subscribers"]


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")

    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="newsletter", codename__in=codenames + EXTRA)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
