from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("disagreements", "0017_list_columns_on_the_disagreement")]

    operations = [
        # Every text stored before pack formats were numbered was written in format 1.
        migrations.AddField(
            model_name="pathwayversion",
            name="format",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="pathwayversion",
            name="format",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
