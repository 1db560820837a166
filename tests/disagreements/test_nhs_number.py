"""NHS numbers as the raise journey asks for them."""

from rpd.disagreements.nhs_number import TEST_RANGE, is_valid
from rpd.disagreements.views.common import LABELS


def test_the_example_in_the_nhs_numbers_hint_is_one_the_question_accepts():
    # A practitioner who types the example to see the format is not told it is invalid;
    # and it is from the range the NHS never issues to a patient.
    _, hint = LABELS["subject_nhs_number"]
    example = "".join(ch for ch in hint.rsplit("for example", 1)[1] if ch.isdigit())
    assert is_valid(example)
    assert TEST_RANGE[0] <= int(example) <= TEST_RANGE[1]
