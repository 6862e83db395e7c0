from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum: 7 MiB of memory, 5 iterations, parallelism 1.

    The same figures Keycloak's published sizing uses, so our sign-in numbers compare. Hashes
    made with other parameters (or other hashers) are upgraded when their owner signs in.
    Tests may set PASSWORD_HASH_COST=fast-for-tests; production refuses to start with it.
    """

    algorithm = "argon2"
    time_cost = 5
    memory_cost = 7 * 1024  # KiB
    parallelism = 1

    def __init__(self):
        if settings.PASSWORD_HASH_COST == "fast-for-tests":
            self.time_cost, self.memory_cost = 1, 64
        super().__init__()
