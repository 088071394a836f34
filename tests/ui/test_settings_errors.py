"""A bad value in Settings is named by the label the form shows, not the field's name."""

import pytest
from pydantic import ValidationError

from voicemock.config import Settings
from voicemock.ui.screens.settings import form_error


def test_a_bad_value_is_named_by_its_label() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"long_pause_s": 0})
    assert form_error(caught.value) == (
        "Long pause from (s): should be greater than or equal to 0.5"
    )
