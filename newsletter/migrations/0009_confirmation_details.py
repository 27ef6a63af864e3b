# Written by hand: the confirming click's IP address and browser beside the sign-up's, and a
# per-address daily count of confirmation emails.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0008_bounce_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="confirmed_ip_address",
            field=models.GenericIPAddressField(
                blank=True, help_text="Where the confirming click came from.", null=True
            ),
        ),
        migrations.AddField(
            model_name="subscription",
            name="confirmed_user_agent",
            field=models.CharField(
                blank=True, help_text="The browser of the confirming click.", max_length=400
            ),
        ),
        migrations.AddField(
            model_name="subscriber",
            name="confirmation_window_started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="subscriber",
            name="confirmation_emails_in_window",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
    ]
