"""The one permission rule, as a Django authentication backend.

object permission = the role's permission AND the object's region under one of
the user's active posts, OR an active explicit grant of that permission on the
object's case (``CaseGrant`` / ``CaseGroupGrant``, django-guardian direct-FK
models). A grant on a case also lets its holder see that case's household.

Without an object, ``has_perm`` answers "may this user do this anywhere?" (in a
post, or on a case granted to them) — used to decide whether to offer a start
button or open a list page. It never
stands in for an object check: the project's Flow and node classes ask with
the object whenever there is one (see ``workflows.core``).
"""

from django.contrib.auth.backends import BaseBackend

from .scope import case_ids_of, region_path_of, user_grants, user_posts

HOUSEHOLD_VIEW = "workflows.view_household"


class ScopedPermissionBackend(BaseBackend):
    """Answers ``user.has_perm(perm, obj)`` from posts (role × region)."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        posts = user_posts(user_obj)
        if obj is None:
            # "anywhere": a post's permissions, or a grant's on some case (a
            # member unit's staff hold no post, only grants on the cases they
            # were invited to; this opens their list pages and nothing else)
            perms = set().union(*(p.perms for p in posts)) if posts else set()
            for granted in user_grants(user_obj).values():
                perms |= granted
            return perms
        perms = set()
        path = region_path_of(obj)
        if path is not None:
            for post in posts:
                if path.startswith(post.path):
                    perms |= post.perms
        grants = user_grants(user_obj)
        if grants:
            for case_id in case_ids_of(obj):
                if case_id in grants:
                    perms |= grants[case_id]
                    perms.add(HOUSEHOLD_VIEW)
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active:
            return False
        return perm in self.get_all_permissions(user_obj, obj)
