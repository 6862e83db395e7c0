from django.conf import settings


def service(request):
    return {
        "service_name": "NHS login",
        "show_development_links": settings.DEBUG,
        "cspNonce": getattr(request, "csp_nonce", ""),
    }
