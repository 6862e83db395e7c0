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
    """A date typed as day, month and year, with the NHS.UK error messages."""

    widget = DateInputWidget

    def __init__(self, *, past_only: bool = True, **kwargs):
        self.past_only = past_only
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        name = self.label.lower() if self.label else "date"
        if not (day and month and year):
            missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
            raise forms.ValidationError(f"{self.label or 'Date'} must include a {missing[0]}")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{self.label or 'Date'} must be a real date") from None
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers")
        if self.past_only and value > datetime.date.today():
            raise forms.ValidationError(f"{self.label or 'Date'} must be in the past")
        if value.year < 1890:
            raise forms.ValidationError(f"Enter a real {name}")
        return value
