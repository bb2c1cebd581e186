"""Who may open a page: one decorator per kind of page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def role_required(*allowed: str):
    """Anonymous users go to sign-in; signed-in users of another role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


reviewer_required = role_required("reviewer", "admin")
rights_holder_required = role_required("rights_holder")
admin_required = role_required("admin")
