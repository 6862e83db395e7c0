"""Views of the OpenID Connect provider and the services catalogue."""
