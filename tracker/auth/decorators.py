"""Role checks for views: anonymous users go to the login page, wrong roles get 403."""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.accept_mimetypes.best == "application/json":
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


login_required = roles_required()
admin_required = roles_required("admin")
