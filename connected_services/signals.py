"""Telling connected services when a patient signs out, is suspended or is deleted."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from connected_services.models import LogoutNotice
from connected_services.services import queue_backchannel_logout, services_used_by

User = get_user_model()


@receiver(user_logged_out)
def patient_signed_out(sender, request, user, **kwargs):
    if user is not None:
        queue_backchannel_logout(user, LogoutNotice.Reason.SIGNED_OUT)


@receiver(pre_save, sender=User)
def patient_suspended(sender, instance, **kwargs):
    if instance.pk and not instance.is_active:
        was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
        if was_active:
            queue_backchannel_logout(instance, LogoutNotice.Reason.SUSPENDED)


@receiver(pre_delete, sender=User)
def patient_deleted(sender, instance, **kwargs):
    # Before the cascade: the tokens and consents that say which services to tell are read
    # here, and the notice keeps only the ``sub``, so its task works once the login is gone.
    queue_backchannel_logout(instance, LogoutNotice.Reason.DELETED, services_used_by(instance))
