"""factory_boy factories shared by the tests."""

import factory
from django.utils import timezone

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    """A patient with a complete P0 login: email and mobile confirmed."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    email_verified = True
    phone_number = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")
    phone_kind = User.PhoneKind.MOBILE
    phone_verified = True
    terms_accepted_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
