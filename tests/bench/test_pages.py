"""bench/pages.py at a tiny scale: every page answers with what it must list, and costs
the same number of queries at 100 disagreements as at 300 (counts, never timings)."""

import pytest

from bench import pages

PAGES = [
    "My work: practitioner",
    "My work: team manager",
    "disagreement page, 50 records",
    "oversight list: partnership unit",
    "My work: safeguarding lead",
]


@pytest.mark.django_db
def test_each_page_takes_the_same_queries_at_100_disagreements_as_at_300():
    small = pages.measure_scale(100, 1_000, seed=1, runs=1, keep=False)
    large = pages.measure_scale(300, 3_000, seed=1, runs=1, keep=False)
    assert [p.name for p in large.pages] == PAGES
    assert [p.problems for p in small.pages + large.pages] == [[]] * 10
    counts = pages.query_counts(small, large)
    assert all(at_small == at_large > 0 for at_small, at_large in counts.values()), counts
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
