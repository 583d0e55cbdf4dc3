# The search package's table (apps/feed/search/models.py), from its draft
# (apps/feed/search/migration_draft.py.txt), placed after the feed's latest migration.

from django.db import migrations, models

TEXT_INDEX = "feed_search_text_english"


def create_text_index(apps, schema_editor):
    # PostgreSQL only: the full-text GIN index. Its expression is the one the search query uses
    # (apps/feed/search/database.py, TEXT_VECTOR), or the planner would not use it.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX {TEXT_INDEX} ON feed_post_search_entry USING gin (to_tsvector('english'::regconfig, text))"
    )


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("feed", "0003_author_followers_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostSearchEntry",
            fields=[
                ("post_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("author_id", models.UUIDField()),
                ("text", models.TextField()),
                ("hashtags", models.JSONField(default=list)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "db_table": "feed_post_search_entry",
            },
        ),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
