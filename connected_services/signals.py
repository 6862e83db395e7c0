"""Telling connected services when a patient signs out, is suspended or is deleted, and
pushing security events (``connected_services.security_events``) to those that asked."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from accounts import signals as login_signals
from connected_services import security_events
from connected_services.models import LogoutNotice
from connected_services.services import (
    queue_backchannel_logout,
    queue_security_events,
    services_used_by,
)

User = get_user_model()


@receiver(user_logged_out)
def patient_signed_out(sender, request, user, **kwargs):
    if user is not None:
        queue_backchannel_logout(user, LogoutNotice.Reason.SIGNED_OUT)


@receiver(pre_save, sender=User)
def patient_suspended_or_reinstated(sender, instance, update_fields=None, **kwargs):
    """A login made inactive (suspended) or active again: services are told, and a suspended
    one is signed out of them. Only a save that may change ``is_active`` is looked at."""
    if not instance.pk or (update_fields is not None and "is_active" not in update_fields):
        return
    was_active = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    if was_active is None or was_active == instance.is_active:
        return
    if not instance.is_active:
        queue_backchannel_logout(instance, LogoutNotice.Reason.SUSPENDED)
        queue_security_events(instance, security_events.ACCOUNT_DISABLED)
    else:
        queue_security_events(instance, security_events.ACCOUNT_ENABLED)


@receiver(pre_delete, sender=User)
def patient_deleted(sender, instance, **kwargs):
    # Before the cascade: the tokens and consents that say which services to tell are read
    # here, and the notice keeps only the ``sub``, so its task works once the login is gone.
    services = list(services_used_by(instance))
    queue_backchannel_logout(instance, LogoutNotice.Reason.DELETED, services)
    queue_security_events(instance, security_events.ACCOUNT_PURGED, services)


@receiver(login_signals.proofing_level_changed)
def proofing_level_changed(sender, user, previous, level, **kwargs):
    queue_security_events(
        user,
        security_events.ASSURANCE_LEVEL_CHANGE,
        **security_events.level_change(previous, level),
    )


@receiver(login_signals.password_changed)
def password_changed(sender, user, reset, **kwargs):
    queue_security_events(
        user, security_events.CREDENTIAL_CHANGE, credential_type="password", change_type="update"
    )


@receiver(login_signals.recovery_started)
def recovery_started(sender, user, **kwargs):
    queue_security_events(user, security_events.RECOVERY_ACTIVATED)
