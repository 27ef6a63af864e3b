"""Donation appeals become translatable (Wagtail's TranslatableMixin): existing appeals are put
in the default language, each with its own translation key; names are unique per language."""

import uuid

import django.db.models.deletion
from django.db import migrations, models
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    dependencies = [
        ("advocacy", "0007_date_precision_letter_body"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="donationappeal",
            name="translation_key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="donationappeal",
            name="locale",
            field=models.ForeignKey(
                null=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
            ),
        ),
        BootstrapTranslatableModel("advocacy.DonationAppeal"),
        migrations.AlterField(
            model_name="donationappeal",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterField(
            model_name="donationappeal",
            name="locale",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AlterField(
            model_name="donationappeal",
            name="name",
            field=models.CharField(
                help_text="For editors only, e.g. 'Ramadan 2024 appeal'.", max_length=120
            ),
        ),
        migrations.AlterUniqueTogether(
            name="donationappeal", unique_together={("translation_key", "locale")}
        ),
        migrations.AddConstraint(
            model_name="donationappeal",
            constraint=models.UniqueConstraint(
                fields=("name", "locale"), name="unique_appeal_name_locale"
            ),
        ),
    ]
