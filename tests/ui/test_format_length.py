"""Lengths shown as m:ss round to the second, as the Delivery figures and next steps do."""

from voicemock.ui.widgets.transcript_view import format_clock, format_length


def test_a_length_rounds_while_a_moment_cuts() -> None:
    assert format_length(33.8) == "0:34"  # "The answer ran 34 s", Delivery 33.8 s
    assert format_length(5.2) == "0:05"
    assert format_length(59.6) == "1:00"
    assert format_length(-0.3) == "0:00"
    assert format_clock(26.9) == "0:26"  # a replay moment starts no later than the word
