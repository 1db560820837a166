"""What oversight adds to a case's page: its learning items (for whoever sees it whole)."""

from django import template

from .. import learning

register = template.Library()


@register.inclusion_tag("oversight/_case_learning.html")
def case_learning(d):
    return {"items": learning.items_of_case(d), "d": d}


@register.inclusion_tag("oversight/_case_documents.html")
def case_documents(d, records=None):
    """Links to the case's documents: each agency's copy, each approved record's copies
    and each submitted version of a partnership form (the page shows them to whoever sees
    the case whole, as the documents' own pages check again). `records`: the case's, as
    `transitions.records_of` read them for the page already."""
    from django.urls import reverse

    from rpd.pathways.calendar import LONDON

    from ..documents import approved_records

    slug, agencies = d.partnership.slug, (d.raising_agency, d.receiving_agency)
    links = [
        (f"{a.name}'s copy of the case", reverse("oversight:case-copy", args=[slug, d.pk, a.pk]))
        for a in agencies
    ]
    for r in approved_records(d, records):
        for a in agencies:
            links.append(
                (
                    # Two discussions a day, or a record and its correction, read apart.
                    f"{a.name}'s copy of the record of "
                    f"{r.occurred_at.astimezone(LONDON):%-d %B %Y, %H:%M}"
                    + (" (correction)" if r.supersedes_id or r.amends_id else ""),
                    reverse("oversight:record-copy", args=[slug, d.pk, r.pk, a.pk]),
                )
            )
    for s in d.form_submissions.order_by("form_id", "version"):
        links.append(
            (
                f"{d.pack.form(s.form_id).name}, version {s.version}",
                reverse("oversight:form-version", args=[slug, d.pk, s.form_id, s.version]),
            )
        )
    return {"links": links}
