"""A person picker enhanced by accessible-autocomplete names only the person chosen: an
empty box stays empty, leaving the box never picks, and clearing it clears the choice."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def picker(live_server, page, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    page.goto(live_server.url + "/test-only/picker/")
    return page


def chosen(page) -> str:
    return page.evaluate("document.getElementById('id_person-select').value")


def test_typing_then_deleting_then_tab_leaves_the_box_and_the_choice_empty(picker):
    box = picker.locator("#id_person")
    box.press_sequentially("Jon")
    box.fill("")
    box.press("Tab")
    assert box.input_value() == "" and chosen(picker) == ""


def test_a_half_typed_name_is_not_completed_on_leaving_the_box(picker):
    box = picker.locator("#id_person")
    box.press_sequentially("Jon")
    box.press("Tab")
    assert box.input_value() == "Jon" and chosen(picker) == ""


def test_i_do_not_know_who_stays_chosen_and_clearing_it_clears_the_choice(picker):
    box = picker.locator("#id_person")
    box.press_sequentially("I do not")
    picker.locator(".autocomplete__option", has_text="I do not know who").click()
    assert box.input_value() == "I do not know who" and chosen(picker) == "unknown"
    box.press("Tab")
    assert box.input_value() == "I do not know who" and chosen(picker) == "unknown"
    box.fill("")
    box.press("Tab")
    assert box.input_value() == "" and chosen(picker) == ""


def test_a_name_chosen_from_the_list_is_the_one_sent(picker):
    box = picker.locator("#id_person")
    box.press_sequentially("Jonah")
    picker.locator(".autocomplete__option", has_text="Jonah Corrindale").click()
    assert chosen(picker) == "2"
    picker.get_by_role("button", name="Continue").click()
    assert picker.url.endswith("?person=2")
