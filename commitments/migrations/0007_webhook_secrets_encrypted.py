"""Webhook endpoint secrets are kept as Fernet tokens (commitments.crypto): the columns widen,
every existing secret is encrypted under the newest key of WEBHOOK_SECRET_KEYS, and the
fields become encrypted ones. Reversible: going back decrypts them."""

from django.db import migrations, models

import commitments.crypto

FIELDS = ("secret", "previous_secret")


def _convert(apps, convert) -> None:
    # The historical model at this step has plain fields: values pass through untouched.
    endpoints = apps.get_model("commitments", "WebhookEndpoint")
    for row in endpoints.objects.values("pk", *FIELDS).iterator():
        endpoints.objects.filter(pk=row["pk"]).update(**{f: convert(row[f]) for f in FIELDS})


def encrypt(apps, schema_editor) -> None:
    _convert(apps, commitments.crypto.encrypt)


def decrypt(apps, schema_editor) -> None:
    _convert(apps, commitments.crypto.decrypt)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_audit_checkpoints")]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(max_length=255, verbose_name="secret"),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=commitments.crypto.EncryptedSecretField(max_length=255, verbose_name="secret"),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=commitments.crypto.EncryptedSecretField(blank=True, max_length=255),
        ),
    ]
