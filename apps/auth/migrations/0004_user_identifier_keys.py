"""Usernames and emails compared by one key (NFKC, case-folded): apps/auth/identifiers.py."""

import unicodedata

from django.db import migrations, models


def _key(value: str) -> str:
    # A copy of identifier_key as it was when this migration was written.
    return unicodedata.normalize("NFKC", value.strip()).casefold()


def fill_keys(apps, schema_editor):  # noqa: ANN001, ANN201 - Django's migration signature
    User = apps.get_model("identity", "User")
    for user in User.objects.all().only("id", "username", "email").iterator():
        User.objects.filter(pk=user.pk).update(username_key=_key(user.username), email_key=_key(user.email))


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0003_outbox_pending_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=90, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=762, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=90, unique=True),
        ),
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=762, unique=True),
        ),
        migrations.RemoveConstraint(model_name="user", name="identity_user_username_ci_unique"),
        migrations.RemoveConstraint(model_name="user", name="identity_user_email_ci_unique"),
    ]
