"""Create the "Newsletter senders" group: may send issues and follow sends (nothing else)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Newsletter senders"


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="newsletter", codename="send_newsletter"),
        Permission.objects.get(content_type__app_label="newsletter", codename="view_dispatch"),
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0005_provider_ended_how")]

    operations = [migrations.RunPython(create_group, remove_group)]
