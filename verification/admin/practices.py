"""Practice staff in Django admin: their own practice's patients and online details only.

Every view and action checks the member of staff's practice: querysets are scoped, object
permissions compare the practice, and the custom views (create, revoke, reissue, letter) look
objects up through the scoped queryset, so a crafted URL for another practice's patient is a
404. Superusers see everything. Every staff action writes an audit event (in the services).
"""

import time

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core import audit
from verification.gp_online import events, services
from verification.models import (
    OnlineRegistrationDetails,
    Practice,
    PracticeStaff,
    RegisteredPatient,
)

# Details created in this staff session, {id: {"created": epoch seconds, "shown": [places]}}:
# only these show the linkage key, once on the "created" page and once on the letter, and only
# for this long (ADR 0051). Reloading either page does not show it again.
FRESH_SESSION_KEY = "gp_online_fresh_details"
FRESH_FOR_SECONDS = 30 * 60
KEY_SHOWN_ON = ("created", "letter")


def staff_practice(request) -> Practice | None:
    """The practice of the signed-in member of staff (cached on the request)."""
    if not hasattr(request, "_gp_practice"):
        request._gp_practice = services.practice_of(request.user)
    return request._gp_practice


def _fresh_details(request) -> dict:
    """This session's fresh details, without those past their time."""
    return {
        key: fresh
        for key, fresh in request.session.get(FRESH_SESSION_KEY, {}).items()
        if isinstance(fresh, dict) and time.time() - fresh["created"] < FRESH_FOR_SECONDS
    }


def _remember_fresh(request, details) -> None:
    fresh = _fresh_details(request)
    fresh[str(details.pk)] = {"created": time.time(), "shown": []}
    request.session[FRESH_SESSION_KEY] = fresh


def _may_show_key(request, details, place: str) -> bool:
    """Whether ``place`` ("created" or "letter") may still show this key in this session."""
    fresh = _fresh_details(request).get(str(details.pk))
    return fresh is not None and place not in fresh["shown"]


def _take_key(request, details, place: str) -> bool:
    """Show the key at ``place`` this once: True the first time, False ever after."""
    if not _may_show_key(request, details, place):
        return False
    fresh = _fresh_details(request)
    fresh[str(details.pk)]["shown"].append(place)
    request.session[FRESH_SESSION_KEY] = fresh
    return True


def staff_name(user) -> str:
    """Who did it, as colleagues know them: the name on their practice staff record, else
    their email address (a superuser with no practice). Never the login's opaque id."""
    if user is None:
        return "—"
    try:
        name = user.practice_membership.name  # joined in by the lists' select_related
    except PracticeStaff.DoesNotExist:
        name = ""
    return name or user.email


def _audit_record_change(request, obj, action: str, fields) -> None:
    """Superusers' edits of practices, registered patients and staff are staff decisions too."""
    audit.record(
        events.PRACTICE_RECORD_CHANGED,
        request=request,
        model=obj._meta.model_name,
        object_id=obj.pk,
        action=action,
        fields=sorted(fields or []),
    )


class PracticeScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin that practice staff see only for their own practice."""

    practice_lookup = "practice"  # from this model to Practice

    def practice_of_object(self, obj) -> Practice:
        return obj.practice

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        practice = staff_practice(request)
        if practice is None:
            return queryset.none()
        return queryset.filter(**{self.practice_lookup: practice})

    def in_scope(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        practice = staff_practice(request)
        if practice is None:
            return False
        return obj is None or self.practice_of_object(obj).pk == practice.pk

    def has_module_permission(self, request):
        return request.user.is_superuser or staff_practice(request) is not None

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj) and request.user.is_active and request.user.is_staff

    # Only superusers edit practice records; staff act through the actions below.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_record_change(request, obj, "changed" if change else "added", form.changed_data)

    def scoped_object(self, request, object_id):
        """The object, if this member of staff may see it; otherwise 404 (never a hint)."""
        try:
            return self.get_queryset(request).get(pk=int(object_id))
        except (ValueError, self.model.DoesNotExist):
            raise Http404 from None


@admin.register(Practice)
class PracticeAdmin(PracticeScopedAdmin):
    list_display = ["name", "ods_code"]
    search_fields = ["name", "ods_code"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        practice = staff_practice(request)
        return queryset.filter(pk=practice.pk) if practice else queryset.none()

    def practice_of_object(self, obj):
        return obj


class RegisteredPatientForm(forms.ModelForm):
    class Meta:
        model = RegisteredPatient
        fields = [
            "practice",
            "nhs_number",
            "given_name",
            "family_name",
            "birth_date",
            "postcode",
            "mobile_number",
        ]
        widgets = {"nhs_number": forms.TextInput(attrs={"inputmode": "numeric"})}

    def clean_nhs_number(self):
        number = "".join(self.cleaned_data["nhs_number"].split())
        if not (len(number) == 10 and number.isdigit()):
            raise forms.ValidationError("An NHS number has 10 digits")
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(number[:9])) % 11
        if (0 if check == 11 else check) != int(number[9]):
            raise forms.ValidationError("This is not a valid NHS number")
        return number


@admin.register(RegisteredPatient)
class RegisteredPatientAdmin(PracticeScopedAdmin):
    form = RegisteredPatientForm
    list_display = ["family_name", "given_name", "birth_date", "practice", "online_details"]
    # No search box: Django admin puts the search in the URL, and names are personal data.
    list_select_related = ["practice"]
    list_per_page = 50
    actions = ["create_online_details"]
    change_form_template = "admin/verification/registeredpatient/change_form.html"

    @admin.display(description="online registration details")
    def online_details(self, obj):
        current = obj.online_details.current().first()
        return (
            f"Current until {timezone.localdate(current.expires_at):%d %b %Y}" if current else "—"
        )

    def has_create_details_permission(self, request, obj=None):
        return self.in_scope(request, obj) and self.has_view_permission(request, obj)

    @admin.action(
        description="Create online registration details (one patient)",
        permissions=["create_details"],
    )
    def create_online_details(self, request, queryset):
        # ``queryset`` is already scoped to this member of staff's practice.
        if queryset.count() != 1:
            self.message_user(
                request, "Choose one patient at a time to create details.", messages.WARNING
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:verification_registeredpatient_create_details", args=[queryset[0].pk])
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/create-online-details/",
                self.admin_site.admin_view(self.create_details_view),
                name="verification_registeredpatient_create_details",
            ),
            *super().get_urls(),
        ]

    def create_details_view(self, request, object_id):
        patient = self.scoped_object(request, object_id)
        if not self.has_create_details_permission(request, patient):
            raise PermissionDenied
        if request.method == "POST":
            details = services.create_details(patient, staff=request.user, request=request)
            _remember_fresh(request, details)
            return HttpResponseRedirect(
                reverse("admin:verification_onlineregistrationdetails_created", args=[details.pk])
            )
        current = patient.online_details.current().first()
        return TemplateResponse(
            request,
            "admin/verification/gp_online/confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Create online registration details",
                "patient": patient,
                "question": (
                    "Create new online registration details for this patient?"
                    + (" Their current details will stop working." if current else "")
                ),
                "button": "Create details",
            },
        )


@admin.register(OnlineRegistrationDetails)
class OnlineRegistrationDetailsAdmin(PracticeScopedAdmin):
    practice_lookup = "patient__practice"
    list_display = [
        "account_id",
        "patient",
        "ods_code",
        "status_text",
        "created_at",
        "expires_at",
        "created_by_name",
    ]
    list_select_related = ["patient__practice", "created_by__practice_membership"]
    search_fields = ["account_id"]
    fields = [
        "account_id",
        "patient",
        "ods_code",
        "status_text",
        "created_at",
        "created_by_name",
        "expires_at",
        "revoked_at",
        "revoked_by_name",
        "used_at",
        "replaces",
    ]
    readonly_fields = fields  # the linkage key is never shown here
    actions = ["revoke_selected", "reissue_selected"]
    change_form_template = "admin/verification/onlineregistrationdetails/change_form.html"

    def practice_of_object(self, obj):
        return obj.patient.practice

    @admin.display(description="status")
    def status_text(self, obj):
        return OnlineRegistrationDetails.Status(obj.status).label

    @admin.display(description="created by", ordering="created_by__email")
    def created_by_name(self, obj):
        return staff_name(obj.created_by)

    @admin.display(description="revoked by")
    def revoked_by_name(self, obj):
        return staff_name(obj.revoked_by) if obj.revoked_at else "—"

    def has_add_permission(self, request):
        return False  # created from a registered patient, so the key can be shown once

    def has_change_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    @admin.action(description="Revoke selected details", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        revoked = sum(
            services.revoke_details(details, staff=request.user, request=request)
            for details in queryset  # scoped to the practice by get_queryset
        )
        self.message_user(request, f"Revoked {revoked} set(s) of details.", messages.SUCCESS)

    @admin.action(description="Reissue details (one patient)", permissions=["revoke"])
    def reissue_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Choose one set of details at a time to reissue.", messages.WARNING
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:verification_onlineregistrationdetails_reissue", args=[queryset[0].pk])
        )

    def get_urls(self):
        views = [
            ("revoke", self.revoke_view),
            ("reissue", self.reissue_view),
            ("created", self.created_view),
            ("letter", self.letter_view),
        ]
        return [
            *(
                path(
                    f"<path:object_id>/{name}/",
                    self.admin_site.admin_view(view),
                    name=f"verification_onlineregistrationdetails_{name}",
                )
                for name, view in views
            ),
            *super().get_urls(),
        ]

    def _object(self, request, object_id):
        details = self.scoped_object(request, object_id)
        if not self.has_revoke_permission(request, details):
            raise PermissionDenied
        return details

    def _confirm(self, request, details, *, title, question, button):
        return TemplateResponse(
            request,
            "admin/verification/gp_online/confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "patient": details.patient,
                "details": details,
                "question": question,
                "button": button,
            },
        )

    def revoke_view(self, request, object_id):
        details = self._object(request, object_id)
        if request.method == "POST":
            services.revoke_details(details, staff=request.user, request=request)
            self.message_user(request, "The details were revoked.", messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:verification_onlineregistrationdetails_change", args=[details.pk])
            )
        return self._confirm(
            request,
            details,
            title="Revoke online registration details",
            question=f"Revoke Account ID {details.account_id}? The patient can no longer use it.",
            button="Revoke details",
        )

    def reissue_view(self, request, object_id):
        details = self._object(request, object_id)
        if request.method == "POST":
            new = services.reissue_details(details, staff=request.user, request=request)
            _remember_fresh(request, new)
            return HttpResponseRedirect(
                reverse("admin:verification_onlineregistrationdetails_created", args=[new.pk])
            )
        return self._confirm(
            request,
            details,
            title="Reissue online registration details",
            question=(
                f"Revoke Account ID {details.account_id} and create new details for this patient?"
            ),
            button="Reissue details",
        )

    def created_view(self, request, object_id):
        """The new details, with the linkage key the first time only: a reload says it was
        shown (ADR 0051). The letter, the other place that shows it, is offered while unused."""
        details = self._object(request, object_id)
        show_key = _take_key(request, details, "created")
        return TemplateResponse(
            request,
            "admin/verification/gp_online/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Online registration details created",
                "details": details,
                "patient": details.patient,
                "show_key": show_key,
                "linkage_key": services.format_linkage_key(details.linkage_key)
                if show_key
                else None,
                "letter_available": _may_show_key(request, details, "letter"),
            },
        )

    def letter_view(self, request, object_id):
        """The printable letter for the patient. It holds the linkage key, so it opens once,
        in the session that created the details, soon after."""
        details = self._object(request, object_id)
        fresh = _take_key(request, details, "letter")
        if fresh:
            services.record_letter_printed(details, staff=request.user, request=request)
        return render(
            request,
            "verification/gp_online/letter.jinja",
            {
                "details": details,
                "patient": details.patient,
                "practice": details.patient.practice,
                "linkage_key": services.format_linkage_key(details.linkage_key) if fresh else None,
                "site_url": settings.SITE_URL + reverse("verification:start"),
                "back_url": reverse(
                    "admin:verification_onlineregistrationdetails_change", args=[details.pk]
                ),
            },
        )


@admin.register(PracticeStaff)
class PracticeStaffAdmin(admin.ModelAdmin):
    """Who works at which practice: superusers only."""

    list_display = ["name", "email", "practice", "created_at"]
    list_select_related = ["user", "practice"]
    fields = ["name", "user", "practice"]
    # Not select2 (autocomplete_fields): its box has no accessible name (axe).
    raw_id_fields = ["user", "practice"]

    @admin.display(description="email address", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_record_change(request, obj, "changed" if change else "added", form.changed_data)

    def delete_model(self, request, obj):
        _audit_record_change(request, obj, "deleted", [])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _audit_record_change(request, obj, "deleted", [])
        super().delete_queryset(request, queryset)
