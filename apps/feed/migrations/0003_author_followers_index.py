from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feed', '0002_posts_reactions_projections_timelines'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='author',
            index=models.Index(fields=['followers_count'], name='feed_author_followers'),
        ),
    ]
