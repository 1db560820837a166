from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("disagreements", "0017_list_columns_on_the_disagreement")]

    operations = [
        migrations.AddField(
            model_name="disagreement",
            name="next_steps",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
