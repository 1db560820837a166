"""Forms and records as documents: each submitted form version as its seed form's fields,
each agency's copy of a case and of an approved record, following graded sight, audited."""

import io
import re

import pytest
from django.urls import reverse

from rpd.audit.models import Event
from rpd.disagreements import demo as case_demo
from rpd.disagreements.models import CaseReference, FormSubmission
from rpd.oversight import documents
from tests.disagreements.helpers import fresh, send_forms

from .conftest import pdf_tests

pytestmark = pytest.mark.django_db

# The seed forms, by pathway: Hillingdon's Request for Dispute Resolution, Jersey's
# Appendix 3, Stoke-on-Trent's Notifications and Outcomes Form.
SEED_FORMS = {"hillingdon": None, "jersey": None, "stoke-on-trent": None}


@pytest.fixture(scope="module")
def demos(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        built = {p: case_demo.build(p, f"docs-{p}") for p in SEED_FORMS}
        for demo, cases in built.values():
            if submission_of(demo) is None:  # one submitted version at the form's stage
                stage = next(s.number for s in cases[0].pack.stages if s.forms)
                d = next(
                    fresh(c) for c in cases if fresh(c).stage == stage and fresh(c).status == "open"
                )
                send_forms(d.current_episode().raising_actor, d)
        yield built
        from django.core.management import call_command

        call_command("flush", "--no-input", verbosity=0)


def words(text: str) -> str:
    return " ".join(text.split())


def submission_of(demo) -> FormSubmission:
    return (
        FormSubmission.objects.filter(disagreement__partnership=demo.partnership)
        .select_related("disagreement")
        .order_by("-stage", "-version")
        .first()
    )


@pdf_tests()
@pytest.mark.parametrize("pathway", sorted(SEED_FORMS))
def test_each_seed_form_as_a_pdf_shows_every_field_filled_or_marked_missing(client, demos, pathway):
    from pypdf import PdfReader

    demo, _ = demos[pathway]
    submission = submission_of(demo)
    d = submission.disagreement
    client.force_login(submission.submitted_by)
    url = reverse(
        "oversight:form-version",
        args=[demo.partnership.slug, d.pk, submission.form_id, submission.version],
    )
    response = client.get(url.rstrip("/") + ".pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and str(root["/Lang"]).startswith("en")
    form = d.pack.form(submission.form_id)
    assert reader.metadata.title.startswith(form.name)
    text = words("".join(page.extract_text() for page in reader.pages))
    for field in form.fields:
        assert words(field.label) in text, field.id
        value = words(str(submission.values.get(field.id, "") or ""))
        if value and not field.special_category:
            assert value[:60] in text, field.id
        elif not field.special_category:
            assert words(documents.MISSING) in text
    event = Event.objects.filter(action="oversight.document.form").latest("seq")
    assert event.actor_id == submission.submitted_by_id
    assert event.data == {
        "format": "pdf",
        "form": submission.form_id,
        "version": submission.version,
    }


def test_a_missing_field_is_marked_missing_never_invented(demos):
    demo, _ = demos["stoke-on-trent"]
    submission = submission_of(demo)
    field = submission.disagreement.pack.form(submission.form_id).fields[0]
    submission.values = {**submission.values, field.id: ""}
    document = documents.form_version(submission, special=False)
    [line] = [line for line in document.sections[1][1] if line.label == field.label]
    assert line.missing and line.value == documents.MISSING


def test_an_agencys_copy_of_the_case_carries_the_subject_and_its_own_case_reference(client, demos):
    demo, cases = demos["stoke-on-trent"]
    d = next(c for c in cases if c.records.filter(approved_at__isnull=False).exists())
    CaseReference.objects.create(subject=d.subject, agency=d.receiving_agency, reference="POL-77")
    client.force_login(d.raised_by)
    base = reverse("oversight:case-copy", args=[demo.partnership.slug, d.pk, d.receiving_agency_id])
    text = client.get(base.rstrip("/") + ".txt").content.decode()
    assert d.subject.family_name in text and d.subject.nhs_number in text
    assert "POL-77" in text and d.reference in text and "Record:" in text
    page = client.get(base).text
    assert "POL-77" in page and ".pdf" in page
    record = d.records.filter(approved_at__isnull=False).first()
    url = reverse(
        "oversight:record-copy", args=[demo.partnership.slug, d.pk, record.pk, d.raising_agency_id]
    )
    text = client.get(url.rstrip("/") + ".txt").content.decode()
    assert record.summary in text
    assert Event.objects.filter(action="oversight.document.case-copy").exists()
    assert Event.objects.filter(action="oversight.document.record-copy").exists()
    # The case page links to them.
    assert base in client.get(f"/disagreements/{d.pk}/").text


def test_documents_follow_graded_sight(client, demos):
    demo, cases = demos["stoke-on-trent"]
    untold = next(c for c in cases if c.partnership_told_at is None)
    slug = demo.partnership.slug
    copy = reverse("oversight:case-copy", args=[slug, untold.pk, untold.raising_agency_id])
    for user in (demo.unit, demo.outsider, demo.admin):
        client.force_login(user)
        assert client.get(copy).status_code == 404
        assert client.get(copy.rstrip("/") + ".txt").status_code == 404
    client.force_login(untold.raised_by)
    assert client.get(copy).status_code == 200
    assert client.get(copy.rstrip("/") + ".exe").status_code == 404
    other_agency = demo.agencies["charity"].pk
    assert (
        client.get(reverse("oversight:case-copy", args=[slug, untold.pk, other_agency])).status_code
        == 404
    )
    # Another partnership's address for the same case: not found.
    wrong = reverse(
        "oversight:case-copy", args=["docs-jersey", untold.pk, untold.raising_agency_id]
    )
    assert client.get(wrong).status_code == 404


def test_the_case_page_links_each_approved_records_copies_from_the_records_it_read(client, demos):
    """The records are read once for the page: its cards and its documents' links."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demo, cases = demos["stoke-on-trent"]
    d = next(c for c in cases if c.records.filter(approved_at__isnull=False).exists())
    client.force_login(d.raised_by)
    with CaptureQueriesContext(connection) as page:
        html = client.get(f"/disagreements/{d.pk}/").text
    for record in d.records.filter(approved_at__isnull=False, superseded_by__isnull=True):
        url = reverse(
            "oversight:record-copy",
            args=[demo.partnership.slug, d.pk, record.pk, d.raising_agency_id],
        )
        assert url in html
    read = [q for q in page.captured_queries if 'FROM "disagreements_record"' in q["sql"]]
    assert len(read) == 1, [q["sql"][:120] for q in read]
    # Each link reads apart from every other (two records of one day read alike, found by
    # a try-out): the time of the discussion, and whether it is a correction.
    texts = re.findall(r">([^<>]*copy of the record of[^<>]*)<", html)
    assert texts and len(texts) == len(set(texts)), texts
    # The time is the discussion's, in London, as its card says (it read "00:00": the
    # day's midnight, for every record).
    from rpd.pathways.calendar import LONDON

    for record in d.records.filter(approved_at__isnull=False, superseded_by__isnull=True):
        at = record.occurred_at.astimezone(LONDON)
        assert any(f"of {at:%-d %B %Y, %H:%M}" in text for text in texts), (at, texts)
