"""API permission for endpoints several admin roles may call (HasCapability checks one capability)."""
from accounts.permissions import HasCapability
from accounts.roles import roles_allow


class HasAnyCapability(HasCapability):
    capabilities: tuple[str, ...] = ()

    @classmethod
    def for_any(cls, *capabilities):
        for capability in capabilities:
            roles_allow((), capability)
        return type(f"HasAny_{'_'.join(c.replace('.', '_') for c in capabilities)}", (cls,),
                    {"capabilities": capabilities})

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return any(roles_allow(request.user.roles, capability) for capability in self.capabilities)
