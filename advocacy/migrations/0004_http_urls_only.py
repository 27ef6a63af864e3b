"""Web addresses rendered into links accept http and https only (a validator on the field)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("advocacy", "0003_advocacy_settings"),
    ]

    operations = [
        migrations.AlterField(
            model_name="donationappeal",
            name="button_url",
            field=models.URLField(
                help_text="Your donation page.",
                validators=[
                    django.core.validators.URLValidator(
                        code="not_http_url",
                        message="Enter a web address starting with http:// or https://.",
                        schemes=["http", "https"],
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="donationappeal",
            name="mail_in_url",
            field=models.URLField(
                blank=True,
                help_text="A printable form to give by mail.",
                validators=[
                    django.core.validators.URLValidator(
                        code="not_http_url",
                        message="Enter a web address starting with http:// or https://.",
                        schemes=["http", "https"],
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="website",
            field=models.URLField(
                blank=True,
                validators=[
                    django.core.validators.URLValidator(
                        code="not_http_url",
                        message="Enter a web address starting with http:// or https://.",
                        schemes=["http", "https"],
                    )
                ],
            ),
        ),
    ]
