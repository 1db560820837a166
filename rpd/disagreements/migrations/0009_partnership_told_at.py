from django.db import migrations, models
from django.db.models import Min


def backfill(apps, schema_editor):
    """Cases the partnership was already told about: a stage it led, a referral, or a
    pathway notice to its unit or chair. Their oversight roles keep seeing them whole."""
    Disagreement = apps.get_model("disagreements", "Disagreement")
    StageEpisode = apps.get_model("disagreements", "StageEpisode")
    Referral = apps.get_model("disagreements", "Referral")
    Notice = apps.get_model("notifications", "Notice")
    told: dict[int, object] = {}

    def earliest(rows):
        for pk, at in rows:
            if at is not None and (pk not in told or at < told[pk]):
                told[pk] = at

    earliest(
        StageEpisode.objects.exclude(led_by_role="")
        .values("disagreement_id")
        .annotate(at=Min("started_at"))
        .values_list("disagreement_id", "at")
    )
    earliest(
        Referral.objects.values("episode__disagreement_id")
        .annotate(at=Min("at"))
        .values_list("episode__disagreement_id", "at")
    )
    earliest(
        Notice.objects.filter(
            kind="pathway",
            disagreement__isnull=False,
            recipient__role_grants__role__in=["partnership-unit", "board-chair"],
        )
        .values("disagreement_id")
        .annotate(at=Min("created_at"))
        .values_list("disagreement_id", "at")
    )
    for pk, at in told.items():
        Disagreement.objects.filter(pk=pk).update(partnership_told_at=at)


def rebuild_viewers(apps, schema_editor):
    """Rows by the rule of access.rebuild_viewers: participants now in an involved agency,
    and their active managers in the same agency, up to where the chain leaves it."""
    Participant = apps.get_model("disagreements", "Participant")
    Viewer = apps.get_model("disagreements", "Viewer")
    User = apps.get_model("people", "User")
    people = {u["pk"]: u for u in User.objects.values("pk", "agency_id", "line_manager_id", "is_active")}
    rows = set()
    for d, user_id, raising, receiving in Participant.objects.values_list(
        "disagreement_id",
        "user_id",
        "disagreement__raising_agency_id",
        "disagreement__receiving_agency_id",
    ):
        person = people[user_id]
        if not person["is_active"] or person["agency_id"] not in (raising, receiving):
            continue
        rows.add((d, user_id))
        seen, above = {user_id}, person["line_manager_id"]
        while above is not None and above not in seen:
            manager = people[above]
            if manager["agency_id"] != person["agency_id"]:
                break
            if manager["is_active"]:
                rows.add((d, above))
            seen.add(above)
            above = manager["line_manager_id"]
    Viewer.objects.all().delete()
    Viewer.objects.bulk_create(
        (Viewer(disagreement_id=d, user_id=u) for d, u in sorted(rows)), batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disagreements", "0008_record_addenda"),
        ("notifications", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="disagreement",
            name="partnership_told_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(rebuild_viewers, migrations.RunPython.noop),
    ]
