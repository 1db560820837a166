"""The pathway pages: what a partnership administrator sees before adopting a pathway."""

import pytest


def test_the_pathways_page_lists_the_five_pathways(client):
    response = client.get("/pathways/")
    assert response.status_code == 200
    for name in ["Hillingdon", "Cambridgeshire", "Jersey", "Stoke-on-Trent", "Blackpool"]:
        assert name in response.text


def test_a_pathway_page_shows_the_dates_if_raised_on_a_given_day(client):
    response = client.get("/pathways/jersey/?start=2025-05-01")
    assert response.status_code == 200
    # Jersey: 5 May and Liberation Day (9 May 2025) are not working days.
    assert "due Monday 12 May 2025" in response.text


def test_a_bad_start_date_is_named_not_a_server_error(client):
    response = client.get("/pathways/jersey/?start=2025-02-30")
    assert response.status_code == 200
    assert "Date the disagreement is raised must be a real date" in response.text
    assert response.text.count("Date the disagreement is raised must be a real date") == 2
    assert "<title>Error: " in response.text
    page = response.text
    # What was typed stays in the boxes, and no dates are shown for another day instead.
    for box, typed in [("day", "30"), ("month", "02"), ("year", "2025")]:
        assert f'name="start_{box}" type="text" inputmode="numeric" value="{typed}"' in page
    assert "Stage 1:" not in response.text


def test_a_start_date_in_9999_is_named_and_the_next_visitor_still_sees_dates(client):
    response = client.get("/pathways/stoke-on-trent/?start=9999-12-31")
    assert response.status_code == 200
    assert "between 1900-01-01 and 2200-12-31" in response.text
    assert 'value="9999"' in response.text  # kept in the year box as typed
    assert "Stage 1:" not in response.text
    # The same shared calendar counts everyone else's deadlines as before.
    after = client.get("/pathways/stoke-on-trent/?start=2026-01-14")
    assert after.status_code == 200
    assert "Stage 1:" in after.text


def test_the_date_boxes_give_the_dates_if_raised_on_that_day(client):
    response = client.get("/pathways/jersey/?start_day=1&start_month=5&start_year=2025")
    assert "due Monday 12 May 2025" in response.text


def test_a_date_without_its_month_says_so_and_marks_only_that_box(client):
    response = client.get("/pathways/jersey/?start_day=1&start_month=&start_year=2025")
    assert "Date the disagreement is raised must include a month" in response.text
    assert 'href="#id_start_month"' in response.text
    assert response.text.count("govuk-input--error") == 1


def test_an_unknown_pathway_is_not_found(client):
    assert client.get("/pathways/atlantis/").status_code == 404


@pytest.mark.django_db
def test_the_database_schema_migrates_and_holds_a_user(django_user_model):
    # Runs on SQLite and again on PostgreSQL (scripts/test); later apps build on this.
    django_user_model.objects.create_user("practitioner-a", password="synthetic-password-1")
    assert django_user_model.objects.filter(username="practitioner-a").exists()
