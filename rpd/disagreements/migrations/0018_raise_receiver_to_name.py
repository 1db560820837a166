from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("disagreements", "0017_list_columns_on_the_disagreement")]

    operations = [
        migrations.AddField(
            model_name="disagreement",
            name="receiver_to_name",
            field=models.BooleanField(default=False, db_default=False),
        ),
    ]
