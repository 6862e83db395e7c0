"""Practice staff ask for a login for a patient, in Django admin scoped to their practice
(ADR 0050, ADR 0065). Superusers register organisations for provisioning.

Staff see their own practice's requests: when, by whom and how far each got, never the
patient's details (they are encrypted, and blanked once a request ends). What staff are told
after submitting is the same whether or not the patient already has a login.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core import audit
from verification.admin.practices import PracticeScopedAdmin, staff_name, staff_practice
from verification.models import ProvisioningOrganisation, ProvisionRequest
from verification.provisioning import events, services
from verification.provisioning.forms import PatientDetailsForm

ACCEPTED_MESSAGE = (
    "Thank you. The details match the patient's NHS record. We have emailed the patient a "
    "link to set up their NHS login. It works for {days} days."
)
REFUSED_MESSAGES = {
    services.Answer.NOT_REGISTERED: (
        "Your practice is not registered to ask for NHS logins. Nothing was sent."
    ),
    services.Answer.ORGANISATION_LIMIT: (
        "Your practice has asked for as many NHS logins as it can today. Nothing was sent. "
        "Try again tomorrow."
    ),
    services.Answer.NHS_NUMBER_LIMIT: (
        "There have been too many requests for this NHS number lately. Nothing was sent."
    ),
    services.Answer.TOO_YOUNG: (
        "The patient is too young to have a high level of proof. Nothing was sent."
    ),
    services.Answer.NOT_MATCHED: (
        "These details do not match one NHS record with this NHS number and mobile number. "
        "Check them with the patient. Nothing was sent."
    ),
    services.Answer.UNAVAILABLE: (
        "We could not check the NHS record just now. Nothing was sent and nothing was "
        "counted. Try again in a few minutes: your details are still in the form."
    ),
}


def practice_organisation(request) -> ProvisioningOrganisation | None:
    """The enabled provisioning registration of the signed-in member of staff's practice."""
    practice = staff_practice(request)
    if practice is None:
        return None
    return ProvisioningOrganisation.objects.filter(practice=practice, enabled=True).first()


class ProvisioningOrganisationForm(forms.ModelForm):
    class Meta:
        model = ProvisioningOrganisation
        fields = ["name", "ods_code", "practice", "service", "enabled"]

    def clean(self):
        cleaned = super().clean()
        practice, service = cleaned.get("practice"), cleaned.get("service")
        if bool(practice) == bool(service):
            raise forms.ValidationError("Choose a practice or a connected service (one of them)")
        ods_code = (cleaned.get("ods_code") or "").strip().upper()
        if practice and ods_code and ods_code != practice.ods_code:
            self.add_error("ods_code", "The ODS code must be the practice's")
        return cleaned


@admin.register(ProvisioningOrganisation)
class ProvisioningOrganisationAdmin(PracticeScopedAdmin):
    """Superusers register organisations; practice staff can see their own registration."""

    form = ProvisioningOrganisationForm
    list_display = ["name", "ods_code", "kind", "enabled"]
    list_filter = ["enabled"]

    def practice_of_object(self, obj):
        return obj.practice

    def in_scope(self, request, obj) -> bool:
        if obj is not None and obj.practice_id is None and not request.user.is_superuser:
            return False
        return super().in_scope(request, obj)

    @admin.display(description="kind")
    def kind(self, obj):
        return "GP practice (admin)" if obj.practice_id else "Connected service (API)"

    def save_model(self, request, obj, form, change):
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        audit.record(
            events.ORGANISATION_CHANGED,
            request=request,
            organisation=obj.ods_code,
            object_id=obj.pk,
            action="changed" if change else "added",
            fields=sorted(form.changed_data or []),
        )


@admin.register(ProvisionRequest)
class ProvisionRequestAdmin(PracticeScopedAdmin):
    """A practice's requests for logins; "Add" is the form that submits one."""

    practice_lookup = "organisation__practice"
    list_display = ["reference", "created_at", "state", "submitted_by_name"]
    list_filter = ["state"]
    list_select_related = ["organisation", "submitted_by__practice_membership"]
    fields = ["reference", "organisation", "created_at", "state", "submitted_by_name"]
    readonly_fields = fields

    def practice_of_object(self, obj):
        return obj.organisation.practice

    def in_scope(self, request, obj) -> bool:
        if obj is not None and obj.organisation.practice_id is None:
            return request.user.is_superuser
        return super().in_scope(request, obj)

    @admin.display(description="reference")
    def reference(self, obj):
        return str(obj.public_id)[:8].upper()

    @admin.display(description="asked for by")
    def submitted_by_name(self, obj):
        return staff_name(obj.submitted_by)

    def has_add_permission(self, request):
        # Only staff of a practice registered (and enabled) for provisioning submit.
        return practice_organisation(request) is not None

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "add/",
                self.admin_site.admin_view(self.submit_view),
                name="verification_provisionrequest_add",
            ),
            *super().get_urls(),
        ]

    def submit_view(self, request, form_url="", extra_context=None):
        """Ask for an NHS login for a patient: their details, traced before anything is sent."""
        organisation = practice_organisation(request)
        if organisation is None:
            raise PermissionDenied
        form = PatientDetailsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            submitted = services.submit(
                organisation,
                services.PatientDetails(**form.cleaned_data),
                staff=request.user,
                request=request,
            )
            if submitted.answer == services.Answer.ACCEPTED:
                from django.conf import settings

                self.message_user(
                    request,
                    ACCEPTED_MESSAGE.format(days=settings.PROVISIONING_LINK_DAYS),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:verification_provisionrequest_changelist")
                )
            form.add_error(None, REFUSED_MESSAGES[submitted.answer])
        return TemplateResponse(
            request,
            "admin/verification/provisioning/submit.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Ask for an NHS login for a patient",
                "organisation": organisation,
                "form": form,
            },
        )
