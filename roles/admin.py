"""Administrators maintain regions, roles and posts here (with history)."""

from django.contrib import admin

from workflows.audit.admin import HistoryAdmin, ReasonRequiredAdmin

from .models import Absence, CaseGrant, CaseGroupGrant, Post, Reassignment, Region, Role


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Changes go through the work-management services (with reasons)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseGrant)
class CaseGrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("content_object", "user", "permission", "granted_by", "expires_on")
    list_filter = ("permission",)


@admin.register(CaseGroupGrant)
class CaseGroupGrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("content_object", "group", "permission", "granted_by", "expires_on")


@admin.register(Reassignment)
class ReassignmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("at", "task", "kind", "from_user", "to_user", "by", "reason")
    list_filter = ("kind",)


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "substitute", "starts_on", "ends_on", "started", "ended")


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "is_sample")
    list_filter = ("level", "kind", "is_sample")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    autocomplete_fields = ("parent",)


@admin.register(Role)
class RoleAdmin(ReasonRequiredAdmin):
    list_display = ("code", "__str__")
    filter_horizontal = ("permissions",)


@admin.register(Post)
class PostAdmin(ReasonRequiredAdmin):
    list_display = ("user", "region", "role", "valid_from", "valid_to", "is_active")
    list_filter = ("role", "is_active", "region__level")
    search_fields = ("user__username", "user__first_name", "region__name")
    autocomplete_fields = ("user", "region")
