"""Conventions numbered per authority: each authority after the first gets a code (C<id>, to
be renamed in the administration), the first keeps the plain CONV-<year>-<n> sequence."""

import django.core.validators
from django.db import migrations, models


def give_codes(apps, schema_editor):
    Authority = apps.get_model("core", "Authority")
    for authority in Authority.objects.order_by("pk")[1:]:
        authority.reference_code = f"C{authority.pk}"
        authority.save(update_fields=["reference_code"])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_reminder_keys_checked_by_the_scan'),
    ]

    operations = [
        migrations.AddField(
            model_name='authority',
            name='reference_code',
            field=models.CharField(blank=True, help_text='Préfixe des numéros de ses conventions (LOR → CONV-LOR-2026-0001). Obligatoire pour chaque collectivité après la première lorsque plusieurs partagent ce service.', max_length=12, validators=[django.core.validators.RegexValidator('^[A-Z][A-Z0-9]{1,11}$', 'De 2 à 12 lettres majuscules ou chiffres, en commençant par une lettre (par exemple LOR).')], verbose_name='code de numérotation'),
        ),
        migrations.AddField(
            model_name='historicalauthority',
            name='reference_code',
            field=models.CharField(blank=True, help_text='Préfixe des numéros de ses conventions (LOR → CONV-LOR-2026-0001). Obligatoire pour chaque collectivité après la première lorsque plusieurs partagent ce service.', max_length=12, validators=[django.core.validators.RegexValidator('^[A-Z][A-Z0-9]{1,11}$', 'De 2 à 12 lettres majuscules ou chiffres, en commençant par une lettre (par exemple LOR).')], verbose_name='code de numérotation'),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='authority',
            constraint=models.UniqueConstraint(condition=models.Q(('reference_code', ''), _negated=True), fields=('reference_code',), name='authority_reference_code_unique', violation_error_message='Une autre collectivité de ce service utilise déjà ce code.'),
        ),
    ]
