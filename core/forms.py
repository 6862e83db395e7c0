"""Django forms that render as NHS.UK design system components.

Pages say ``{{ form.email.as_field_group() }}``: the renderer picks the NHS.UK macro for the
widget (input, radios, checkboxes, date input, file upload, textarea, select) and fills in the
label, hint (``help_text``) and error message. Per-field options go in ``field.nhsuk``:
``{"label_size": "l", "page_heading": True, "classes": "nhsuk-input--width-10"}``.
"""

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.jinja"
    field_template_name = "forms/field.jinja"


def widget_kind(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes: the NHS.UK date input."""

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.MultiValueField):
    """A date typed as day, month and year, with the NHS.UK date input's error messages.

    ``error_name`` is what the messages call the date ("Date of birth must be a real date"),
    so a question used as the label ("What is your date of birth?") never ends up inside a
    sentence. The parts are checked here, not by Django's sub-fields, so no default message
    ("Enter a complete value.") reaches the page.
    """

    widget = DateInputWidget
    EARLIEST_YEAR = 1890

    def __init__(self, *, error_name: str = "Date", past_only: bool = True, **kwargs):
        self.past_only = past_only
        self.error_name = error_name
        not_a_date = {"null_characters_not_allowed": f"{error_name} must be a real date"}
        fields = tuple(forms.CharField(required=False, error_messages=not_a_date) for _ in range(3))
        error_messages = {
            "required": f"Enter your {error_name.lower()}",
            "invalid": f"{error_name} must be a real date",
            "incomplete": f"{error_name} must include a day, month and year",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(
            fields=fields, require_all_fields=False, error_messages=error_messages, **kwargs
        )

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        name = self.error_name
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            parts = " and ".join(missing) if len(missing) == 2 else missing[0]
            raise forms.ValidationError(f"{name} must include a {parts}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(f"{name} must be a real date")
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{name} must be a real date") from None
        if self.past_only and value > datetime.date.today():
            raise forms.ValidationError(f"{name} must be in the past")
        if value.year < self.EARLIEST_YEAR:
            raise forms.ValidationError(f"{name} must be in or after {self.EARLIEST_YEAR}")
        return value
