"""NHS numbers: ten digits, the last a modulus-11 check digit.

Demo data and tests use only the NHS's reserved test range 999 000 0000 to
999 999 9999, which is never issued to a patient.
"""

from django.core.exceptions import ValidationError

TEST_RANGE = (9990000000, 9999999999)


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid(number: str) -> bool:
    return len(number) == 10 and number.isdigit() and check_digit(number[:9]) == int(number[9])


def normalise_nhs_number(value: str) -> str:
    """Accept '999 123 4567' or '999-123-4567'; refuse anything that fails the check digit."""
    digits = "".join(ch for ch in value if not ch.isspace() and ch != "-")
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError("an NHS number is 10 digits")
    if not is_valid(digits):
        raise ValidationError("is not a valid NHS number (the check digit does not match)")
    return digits


def spaced(number: str) -> str:
    """999 123 4560, as a person reads and types it."""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if number else ""


def synthetic(seed: int) -> str:
    """A valid NHS number in the reserved test range, different for each seed below 100,000.

    The seed fills digits 4 to 8; digit 9 is the first that lets the check digit be valid
    (changing it moves the weighted sum by 2, so at most one of its ten values fails).
    """
    stem = f"999{seed % 100000:05d}"
    for ninth in "0123456789":
        digit = check_digit(stem + ninth)
        if digit is not None:
            return f"{stem}{ninth}{digit}"
    raise AssertionError("unreachable: some ninth digit always gives a valid number")
