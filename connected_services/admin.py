"""Registering connected services in Django admin (service administrators)."""

from django import forms
from django.contrib import admin
from django.forms.renderers import DjangoTemplates
from django.utils import timezone

from connected_services import events
from connected_services.models import (
    AccessToken,
    Consent,
    Grant,
    IDToken,
    LogoutNotice,
    RefreshToken,
    SecurityEvent,
    Service,
    SigningKey,
)
from core import audit
from verification.models import Nation

# django-oauth-toolkit registers its own admin for the (swapped) models; ours replaces it.
# Tokens and codes are not for staff to read or edit.
for _model in (Service, Grant, AccessToken, RefreshToken, IDToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ServiceForm(forms.ModelForm):
    # The site's form renderer is the NHS.UK Jinja one; admin keeps Django's own templates.
    default_renderer = DjangoTemplates()

    # Addresses typed without a scheme are https (Django 6's default, set here explicitly).
    url = forms.URLField(
        label="Service address", required=False, assume_scheme="https",
        help_text="Where patients start",
    )  # fmt: skip
    backchannel_logout_uri = forms.URLField(required=False, assume_scheme="https")
    security_event_uri = forms.URLField(
        label="Security event push address", required=False, assume_scheme="https",
        help_text="Where account and proofing changes are pushed (RFC 8935); empty: none",
    )  # fmt: skip

    nations = forms.MultipleChoiceField(
        choices=Nation.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where the service is offered",
    )

    class Meta:
        model = Service
        fields = (
            "name", "description", "url", "category", "logo", "minimum_age", "nations",
            "has_care_benefit", "is_nhs_commissioned", "is_free_at_point_of_delivery", "is_live",
            "client_id", "client_type", "authorization_grant_type", "redirect_uris",
            "post_logout_redirect_uris", "public_key_pem", "jwks", "allowed_vectors",
            "allowed_scopes", "allow_gp_integration_credentials", "id_token_signing_alg",
            "backchannel_logout_uri", "security_event_uri",
        )  # fmt: skip
        widgets = {
            "redirect_uris": forms.Textarea(attrs={"rows": 3}),
            "post_logout_redirect_uris": forms.Textarea(attrs={"rows": 2}),
            "public_key_pem": forms.Textarea(attrs={"rows": 6, "cols": 70}),
        }
        help_texts = {
            "redirect_uris": (
                "Up to 10 https addresses, one per line. No wildcards or query strings."
            ),
        }


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ("name", "client_id", "category", "is_live", "assured", "minimum_age")
    list_filter = ("is_live", "category")
    search_fields = ("name", "client_id")
    readonly_fields = ("created", "updated")
    fieldsets = (
        ("What patients see", {"fields": ("name", "description", "url", "category", "logo")}),
        ("Who can use it", {"fields": ("minimum_age", "nations")}),
        (
            "Assurance (all three must be yes before the service can go live)",
            {
                "fields": (
                    "has_care_benefit",
                    "is_nhs_commissioned",
                    "is_free_at_point_of_delivery",
                    "is_live",
                )
            },
        ),
        (
            "OpenID Connect client",
            {
                "fields": (
                    "client_id",
                    "client_type",
                    "authorization_grant_type",
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "public_key_pem",
                    "jwks",
                    "allowed_vectors",
                    "allowed_scopes",
                    "allow_gp_integration_credentials",
                    "id_token_signing_alg",
                    "backchannel_logout_uri",
                    "security_event_uri",
                )
            },
        ),
        ("Record", {"fields": ("created", "updated")}),
    )

    @admin.display(boolean=True, description="Assured")
    def assured(self, obj):
        return obj.assured

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("client_type", Service.CLIENT_CONFIDENTIAL)
        initial.setdefault("authorization_grant_type", Service.GRANT_AUTHORIZATION_CODE)
        return initial

    def save_model(self, request, obj, form, change):
        obj.hash_client_secret = False
        obj.client_secret = ""  # private_key_jwt: no shared secret
        super().save_model(request, obj, form, change)
        audit.record(
            events.SERVICE_CHANGED,
            request=request,
            service=obj.client_id,
            live=obj.is_live,
            changed=sorted(form.changed_data),
            at=timezone.now().isoformat(),
        )


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("service", "level", "granted_at", "last_used_at", "withdrawn_at")
    list_filter = ("service",)
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "created_at", "retired_at")
    exclude = ("private_key_pem",)
    readonly_fields = ("kid", "created_at", "retired_at")

    def has_add_permission(self, request):
        return False


@admin.register(LogoutNotice)
class LogoutNoticeAdmin(admin.ModelAdmin):
    list_display = ("service", "reason", "created_at", "sent_at", "attempts", "last_status")
    readonly_fields = [f.name for f in LogoutNotice._meta.fields]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The delivery log of security events: what was pushed to which service, and how it went
    (read only: the rows are written by the service and its workers)."""

    list_display = ("service", "event_type", "created_at", "sent_at", "attempts", "last_status")
    list_filter = ("event_type", "service")
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
