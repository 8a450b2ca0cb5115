"""Styled error pages for the site, Graph-style JSON errors under /api/ and /v1.0/."""
from django.http import JsonResponse
from django.shortcuts import render


def _wants_json(request):
    return request.path.startswith(("/api/", "/v1.0/"))


def _json(code, message, status):
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return _json("Request_ResourceNotFound", f"Resource not found for the segment '{request.path}'.", 404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return _json("Authorization_RequestDenied", "Insufficient privileges to complete the operation.", 403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    if _wants_json(request):
        return _json("generalException", "An internal error occurred. Try again later.", 500)
    return render(request, "500.html", status=500)
