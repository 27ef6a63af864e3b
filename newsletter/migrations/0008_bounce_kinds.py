from django.db import migrations, models


class Migration(migrations.Migration):
    """Soft bounces get their own moment on a delivery (a nullable column: no table rewrite)."""

    dependencies = [
        ("newsletter", "0007_lean_deliveries_claimed_batches"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="soft_bounced_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
