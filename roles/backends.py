"""The one permission rule, as a Django authentication backend.

object permission = the role's permission AND the object's region under one of
the user's active posts (explicit per-object grants are added by the
permissions issue's grant model).

Without an object, ``has_perm`` answers "may this user do this anywhere?" —
used to decide whether to offer a start button or open a list page. It never
stands in for an object check: the project's Flow and node classes ask with
the object whenever there is one (see ``workflows.core``).
"""

from django.contrib.auth.backends import BaseBackend

from .scope import region_path_of, user_posts


class ScopedPermissionBackend(BaseBackend):
    """Answers ``user.has_perm(perm, obj)`` from posts (role × region)."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        posts = user_posts(user_obj)
        if obj is None:
            return set().union(*(p.perms for p in posts)) if posts else set()
        path = region_path_of(obj)
        if path is None:
            return set()
        perms = set()
        for post in posts:
            if path.startswith(post.path):
                perms |= post.perms
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active:
            return False
        return perm in self.get_all_permissions(user_obj, obj)
