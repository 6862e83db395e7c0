"""The support desk in Django admin (issue 17, item 1): find a patient's login, see what a
support call needs, and act on it with a reason.

Only staff with the ``accounts.look_after_logins`` permission (the "Support staff" group)
see it; identity checkers and practice staff do not. Logins are found by an email address,
a phone number or an NHS number given in full. The NHS number is found through its keyed
blind index, never by searching plain text, and no partial match lists other patients. The
actions are in ``accounts.services.support``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.renderers import DjangoTemplates
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.models import PatientLogin, SupportCase, User
from accounts.phones import uk_number
from accounts.services import support
from accounts.services.data_rights import data_about
from core.audit import description
from core.models import AuditEvent
from verification.models import Identity

PERMISSION = "accounts.look_after_logins"
AUDIT_TRAIL_LENGTH = 50


def find_logins(queryset, term: str):
    """The logins whose email address, phone number or NHS number is exactly ``term``."""
    term = term.strip()
    if not term:
        return queryset.none()
    digits = term.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 10 and not digits.startswith("0"):
        identity = Identity.for_nhs_number(digits).values("user_id")
        return queryset.filter(pk__in=identity)
    if "@" in term:
        return queryset.filter(email__iexact=User.objects.normalize_email(term))
    for kind in ("mobile", "landline"):
        try:
            return queryset.filter(phone_number=uk_number(term, kind))
        except ValidationError:
            continue
    return queryset.none()


class SupportActionForm(forms.Form):
    """What support does to a login, why, and the ticket it is recorded under."""

    default_renderer = DjangoTemplates()  # admin keeps Django's own form templates

    action = forms.ChoiceField(
        label="What to do",
        choices=[(key, label) for key, (label, _) in support.ACTIONS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do"},
    )
    reason = forms.ChoiceField(
        label="Why",
        choices=list(support.REASONS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are doing this"},
    )
    ticket = forms.RegexField(
        label="Ticket reference (optional)",
        regex=r"^[A-Za-z0-9-]{0,20}$",
        required=False,
        error_messages={"invalid": "Enter up to 20 letters, numbers and hyphens"},
    )


def _table(rows: list[dict], empty: str):
    """Rows of the same keys as an HTML table, or ``empty``."""
    if not rows:
        return empty
    headings = list(rows[0])
    head = format_html_join(
        "", "<th scope='col'>{}</th>", ((h.replace("_", " "),) for h in headings)
    )
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((_shown(row[h]),) for h in headings)),)
            for row in rows
        ),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def _shown(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@admin.register(PatientLogin)
class PatientLoginAdmin(admin.ModelAdmin):
    """Patient logins for the support desk: search, an overview, and the actions."""

    list_display = ("email", "phone_number", "proofing_level", "status", "date_joined")
    list_display_links = ("email",)
    search_fields = ("email",)  # shows the search box; the search itself is find_logins
    search_help_text = "An email address, phone number or NHS number, in full"
    show_full_result_count = False
    fieldsets = (
        ("Login", {"fields": ("status", "level_and_route", "signed_in", "act")}),
        ("Second factors", {"fields": ("second_factors",)}),
        ("Remembered browsers", {"fields": ("browsers",)}),
        ("Services used", {"fields": ("services",)}),
        ("Support cases", {"fields": ("cases",)}),
        ("Audit trail (newest first)", {"fields": ("audit_trail",)}),
    )
    readonly_fields = (
        "status",
        "level_and_route",
        "signed_in",
        "act",
        "second_factors",
        "browsers",
        "services",
        "cases",
        "audit_trail",
    )

    # --- who may see it --------------------------------------------------------------------

    def has_module_permission(self, request):
        return request.user.is_active and request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm(PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- finding a login -------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False)

    def get_search_results(self, request, queryset, search_term):
        # Nothing until a whole email address, phone number or NHS number is given: the
        # list is never a way to browse patients.
        return find_logins(queryset, search_term), False

    # --- the overview ----------------------------------------------------------------------

    def _data(self, login):
        # Each field below reads it: made once per page.
        if getattr(login, "support_overview", None) is None:
            login.support_overview = data_about(login)
        return login.support_overview

    @admin.display(description="Status")
    def status(self, login):
        if not login.is_active:
            return "Suspended"
        if login.password_change_required:
            return "Active: must choose a new password at next sign in"
        return "Active"

    @admin.display(description="Level of proof")
    def level_and_route(self, login):
        about = self._data(login)["your_login"]
        return format_html(
            "{} ({}), reached by {} on {}",
            about["level_of_proof"],
            about["level_of_proof_name"],
            about["level_of_proof_reached_by"] or "-",
            about["level_of_proof_reached"] or "-",
        )

    @admin.display(description="Last signed in")
    def signed_in(self, login):
        return self._data(login)["your_login"]["last_signed_in"] or "Never"

    @admin.display(description="Act on this login")
    def act(self, login):
        url = reverse("admin:accounts_patientlogin_act", args=[login.pk])
        return format_html('<a class="button" href="{}">Act on this login</a>', url)

    @admin.display(description="Second factors")
    def second_factors(self, login):
        data = self._data(login)
        rows = [
            {
                "kind": f"{login.get_phone_kind_display() or 'Phone'} number",
                "added": data["your_login"]["created"],
                "last_used": None,
            }
        ]
        rows += [{"kind": f"Passkey: {p['name']}", **_dates(p)} for p in data["passkeys"]]
        if data["authenticator_app"]:
            rows.append({"kind": "Authenticator app", **_dates(data["authenticator_app"])})
        if one_login := data.get("gov_uk_one_login"):  # removed with "Act on this login"
            rows.append(
                {
                    "kind": "GOV.UK One Login (linked)",
                    "added": one_login["linked"],
                    "last_used": one_login["last_used_to_sign_in"],
                }
            )
        return _table(rows, "None")

    @admin.display(description="Remembered browsers")
    def browsers(self, login):
        return _table(self._data(login)["remembered_browsers"], "None")

    @admin.display(description="Services used")
    def services(self, login):
        rows = [
            {
                "service": s["service"],
                "level_shared": s["level_of_proof_shared"],
                "agreed": s["agreed"],
                "last_used": s["last_used"],
                "stopped_sharing": s["stopped_sharing"],
            }
            for s in self._data(login)["services_you_used"]
        ]
        return _table(rows, "None")

    @admin.display(description="Support cases")
    def cases(self, login):
        rows = [
            {"case": str(case), "opened": case.created_at, "closed": case.closed_at}
            for case in SupportCase.objects.filter(user=login)
        ]
        return _table(rows, "None")

    @admin.display(description="Audit trail")
    def audit_trail(self, login):
        events = AuditEvent.objects.filter(user=login).select_related("actor")
        rows = [
            {
                "when": event.occurred_at,
                "what": description(event),
                "by": _actor(event, login),
                "reason": support.REASONS.get(event.details.get("reason"), ""),
            }
            for event in events.order_by("-occurred_at", "-id")[:AUDIT_TRAIL_LENGTH]
        ]
        return _table(rows, "None")

    # --- acting on it ----------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/act/",
                self.admin_site.admin_view(self.act_view),
                name="accounts_patientlogin_act",
            ),
            *super().get_urls(),
        ]

    def act_view(self, request, object_id):
        """The actions on one login: choose one, say why, confirm."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        login = self.get_object(request, object_id)
        if login is None:
            raise Http404("No such patient login")
        form = SupportActionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            label, act = support.ACTIONS[form.cleaned_data["action"]]
            try:
                act(
                    login,
                    staff=request.user,
                    reason=form.cleaned_data["reason"],
                    ticket=form.cleaned_data["ticket"],
                )
            except support.SupportError as error:
                form.add_error("action", str(error))
            else:
                self.message_user(request, f"Done: {label.lower()}.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:accounts_patientlogin_change", args=[login.pk])
                )
        return TemplateResponse(
            request,
            "admin/accounts/patientlogin/act.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Act on this login",
                "login": login,
                "form": form,
            },
        )


def _dates(item: dict) -> dict:
    return {"added": item.get("added"), "last_used": item.get("last_used")}


def _actor(event: AuditEvent, login: User) -> str:
    if event.actor_id is None:
        return "The service"
    if event.actor_id == login.pk:
        return "The patient"
    return event.actor.get_username()
