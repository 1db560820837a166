"""Agencies become installation-wide and join partnerships (ADR 007); a partnership's
roles (unit, chair, administrator) are granted in one partnership."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

PARTNERSHIP_ROLES = ["administrator", "board-chair", "partnership-unit"]


def forwards(apps, schema_editor):
    Agency = apps.get_model("people", "Agency")
    Membership = apps.get_model("people", "Membership")
    RoleGrant = apps.get_model("people", "RoleGrant")
    taken = set()
    for agency in Agency.objects.select_related("partnership").order_by("pk"):
        base = slugify(f"{agency.partnership.slug} {agency.name}")[:60] or "agency"
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}-{n}"
        taken.add(code)
        agency.code = code
        agency.save(update_fields=["code"])
        Membership.objects.create(partnership_id=agency.partnership_id, agency_id=agency.pk)
    for grant in RoleGrant.objects.filter(role__in=PARTNERSHIP_ROLES).select_related(
        "user__agency"
    ):
        if grant.user.agency_id is None:
            grant.delete()  # a partnership role held nowhere: nothing it could reach
        else:
            grant.partnership_id = grant.user.agency.partnership_id
            grant.save(update_fields=["partnership"])


class Migration(migrations.Migration):
    dependencies = [("people", "0005_stand_ins")]

    operations = [
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="people.agency",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="people.partnership",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partnership", "agency"), name="membership_unique"
                    )
                ],
            },
        ),
        # No index while it is filled: making it unique below adds the index (and on
        # PostgreSQL its _like twin), which would otherwise already exist under that name.
        migrations.AddField(
            model_name="agency",
            name="code",
            field=models.SlugField(max_length=64, null=True, db_index=False),
        ),
        migrations.AddField(
            model_name="rolegrant",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="role_grants",
                to="people.partnership",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="agency", name="agency_name_unique"),
        migrations.RemoveField(model_name="agency", name="partnership"),
        migrations.AlterField(
            model_name="agency",
            name="code",
            field=models.SlugField(max_length=64, unique=True),
        ),
        migrations.AlterModelOptions(
            name="agency",
            options={"ordering": ["name", "id"], "verbose_name_plural": "agencies"},
        ),
        migrations.AddField(
            model_name="partnership",
            name="agencies",
            field=models.ManyToManyField(
                blank=True,
                related_name="partnerships",
                through="people.Membership",
                to="people.agency",
            ),
        ),
        migrations.RemoveConstraint(model_name="rolegrant", name="role_grant_unique"),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partnership__isnull", True)),
                fields=("user", "role"),
                name="role_grant_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partnership__isnull", False)),
                fields=("user", "role", "partnership"),
                name="role_grant_in_partnership_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("partnership__isnull", False), ("role__in", PARTNERSHIP_ROLES)),
                    models.Q(
                        models.Q(("role__in", PARTNERSHIP_ROLES), _negated=True),
                        ("partnership__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="role_grant_partnership_where_needed",
            ),
        ),
    ]
