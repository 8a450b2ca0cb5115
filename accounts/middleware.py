"""Puts the signed-in admin's tenant on the request; every query in a door starts from it."""


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request.tenant = user.tenant if user is not None and user.is_authenticated and user.tenant_id else None
        return self.get_response(request)
