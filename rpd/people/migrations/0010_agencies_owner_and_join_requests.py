import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def owners_from_first_memberships(apps, schema_editor):
    """Each agency is governed by the partnership it first joined: the one that created
    it (ADR 007, 2026-12-05)."""
    Agency = apps.get_model("people", "Agency")
    Membership = apps.get_model("people", "Membership")
    first = {}
    for agency_id, partnership_id in Membership.objects.order_by("pk").values_list(
        "agency_id", "partnership_id"
    ):
        first.setdefault(agency_id, partnership_id)
    for agency_id, partnership_id in first.items():
        Agency.objects.filter(pk=agency_id).update(owner_id=partnership_id)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0009_hardening_demo_made_people"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="owned_agencies",
                to="people.partnership",
            ),
        ),
        migrations.RunPython(owners_from_first_memberships, migrations.RunPython.noop),
        migrations.CreateModel(
            name="JoinRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("requested_at", models.DateTimeField()),
                ("outcome", models.CharField(blank=True, choices=[("accepted", "Accepted"), ("declined", "Declined")], max_length=16)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("agency", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="join_requests", to="people.agency")),
                ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("partnership", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="join_requests", to="people.partnership")),
                ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["requested_at", "id"]},
        ),
        migrations.AddConstraint(
            model_name="joinrequest",
            constraint=models.UniqueConstraint(condition=models.Q(("outcome", "")), fields=("agency", "partnership"), name="join_request_one_pending"),
        ),
    ]
