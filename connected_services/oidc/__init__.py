"""The OpenID Connect provider: django-oauth-toolkit extended through its validator."""
