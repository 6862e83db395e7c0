"""The demo connected service: a small separate web app that signs patients in with NHS login.

It is a relying party like any other: its own RSA key, a "Continue to NHS login" button, a
private_key_jwt code exchange over HTTP and a page showing the claims and ``vot``. It uses no
Django and none of the provider's code (only the standard library, httpx and jwcrypto), so it
shows what a connected service has to do. Run by ``make run`` (Procfile ``demo``).
"""
