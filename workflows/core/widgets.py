"""Form widgets shared by every page."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. It only understands ISO dates, so the value
    is always rendered as ``YYYY-MM-DD`` whatever the language's format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
