import secrets


class SecurityHeadersMiddleware:
    """Content Security Policy with a per-request nonce, and no caching of personal pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        response.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{request.csp_nonce}'; "
            "style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(self)")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
