"""Administrators maintain regions, roles and posts here (with history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Post, Region, Role


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "is_sample")
    list_filter = ("level", "kind", "is_sample")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    autocomplete_fields = ("parent",)


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ("code", "__str__")
    filter_horizontal = ("permissions",)


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ("user", "region", "role", "valid_from", "valid_to", "is_active")
    list_filter = ("role", "is_active", "region__level")
    search_fields = ("user__username", "user__first_name", "region__name")
    autocomplete_fields = ("user", "region")
