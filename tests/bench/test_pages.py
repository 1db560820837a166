"""bench/pages.py at a tiny scale: every page answers with what it must list, and costs
the same number of queries at 100 disagreements as at 300 (counts, never timings)."""

import os

import pytest

from bench import pages

LISTS = [
    "My work: practitioner",
    "My work: team manager",
    "disagreement page, 50 records",
    "oversight list: partnership unit",
    "My work: safeguarding lead",
    "closed disagreements: team manager",
]
FORMS = [f"form: {action.replace('-', ' ')}" for action in pages.CASE_FORMS] + [
    "form: approve a record",
    "form: raise, first step",
]
ADMINISTRATION = [f"administration: {path or 'home'}" for path in pages.ADMIN_PAGES] + [
    "administration: a person",
    # The pages that list an agency's people once it is chosen.
    "administration: people/add/, agency chosen",
    "administration: a person's move",
    "administration: a person's move, agency chosen",
    "administration: a person's move, hand-over",
    "administration: a leaver's hand-over",
    "administration: a role holder, agency chosen",
    "administration: a person's move, hand-over, people read afresh",
]
# The main submissions, each on a case ready for it (bench/pages.py writes the evidence).
SUBMITS = ["submit: record a discussion", "submit: approve a record", "submit: escalate"]
# What each costs at most, all told (sign-in and session included): two readings of the
# case's evidence (23 queries each), the change, its notices and audit event, and whom
# the case asks next, each person once. Flat across scales is not enough: recording once
# cost 334 queries (approving 310, escalating 128) while a record waiting cost ten more.
# Lower these when a change cuts them. (The facts the figures read, written as each stage
# changes, add six or seven: disagreements.facts.) An approval leaves no record waiting
# (bench/pages.py makes one at a time), so the case then works out its stage's next step
# from what its records cover: 89, where it was 86 with twenty-one more still waiting.
SUBMIT_QUERIES = {
    "submit: record a discussion": 89,
    "submit: approve a record": 89,
    "submit: escalate": 123,
}
PAGES = LISTS + FORMS + ADMINISTRATION + SUBMITS


def sizes(name: str, default: str) -> tuple[int, int]:
    small, large = (int(n) for n in os.environ.get(name, default).split(","))
    return small, large


# The two partnerships compared: cases, and people in all. Ten times as many of each is
# what the test needs: a page whose queries grow with its rows (a query per row, or per
# person on a menu) costs more queries at the larger, whatever the absolute sizes, so CI
# runs small ones (RPD_FLAT_CASES=1000,10000 RPD_FLAT_PEOPLE=250,2500 for the issue's).
FLAT_CASES = sizes("RPD_FLAT_CASES", "100,1000")
FLAT_PEOPLE = sizes("RPD_FLAT_PEOPLE", "100,1000")


@pytest.mark.django_db
def test_no_page_or_form_takes_more_queries_with_ten_times_the_cases_and_the_people():
    (few_cases, many_cases), (few_people, many_people) = FLAT_CASES, FLAT_PEOPLE
    small = pages.measure_scale(few_cases, 10 * few_cases, 1, 1, keep=False, people=few_people)
    large = pages.measure_scale(many_cases, 10 * many_cases, 1, 1, keep=False, people=many_people)
    assert [p.name for p in large.pages] == PAGES
    assert {p.name: p.problems for p in small.pages + large.pages if p.problems} == {}
    counts = pages.query_counts(small, large)
    grew = {name: c for name, c in counts.items() if not c[0] == c[1] > 0}
    assert grew == {}, "queries at the smaller and the larger partnership"
    over = {n: counts[n][1] for n in SUBMITS if counts[n][1] > SUBMIT_QUERIES[n]}
    assert over == {}, f"more queries than {SUBMIT_QUERIES}"
    # Each page stood beside its baselines, measured in the same run.
    for page in large.pages:
        assert page.empty.queries > 0 and page.lookup.queries == 1
    report = pages.table("sqlite", large, small)
    assert all(f"| {name} |" in report for name in PAGES)


@pytest.mark.django_db
def test_a_page_that_does_not_list_what_it_should_is_reported(monkeypatch):
    real = pages.build_pages

    def wrong(loader, people):
        built = real(loader, people)
        built[0].expect = ["RPD-1999-99999"]
        return built

    monkeypatch.setattr(pages, "build_pages", wrong)
    [first, *_] = pages.measure_scale(100, 1_000, seed=1, runs=1, keep=False).pages
    assert first.problems == ["does not show RPD-1999-99999"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--small", "50"], "--small"),
        (["--small", "500", "--disagreements", "200"], "--small"),
        (["--runs", "0"], "--runs"),
        (["--database", "oracle"], "--database"),
    ],
)
def test_a_bad_option_is_named_on_stderr_with_exit_2(argv, named, capsys):
    with pytest.raises(SystemExit) as stopped:
        pages.main(argv)
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error:" in last and named in last
