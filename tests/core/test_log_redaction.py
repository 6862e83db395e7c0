"""The log filter masks the shapes of personal data and keeps correlation ids whole."""

from core.logging import redact


def test_nhs_numbers_phone_numbers_and_emails_are_masked():
    text = redact("traced 943 476 5919 for a.patient@example.com, mobile 07700 900123")
    assert "943" not in text and "5919" not in text
    assert "a.patient" not in text and "900123" not in text


def test_a_correlation_id_with_ten_digits_in_a_row_is_kept_whole():
    # A random UUID's last group can hold ten decimal digits in a row; masking them made a
    # failure impossible to trace with the other system's team (seen in CI).
    correlation = "cf44bc29-cf2b-4023-ae52-4e9810710423"
    text = redact(f"DCS check http-500 (correlation {correlation}, try 1) for 9434765919")
    assert correlation in text
    assert "9434765919" not in text
