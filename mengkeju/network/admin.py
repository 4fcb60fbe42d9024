from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ChainLink, Division, IndustryChain, Organization, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "network_name", "loaded_at")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "external")
    list_filter = ("level", "external")
    search_fields = ("code", "name", "name_en")


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    extra = 0


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "position")
    inlines = [ChainLinkInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "division")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en", "credit_code")
    filter_horizontal = ("serves_divisions", "serves_chains")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "organization", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Mengkeju", {"fields": ("role", "organization", "display_name", "phone")}),
    )
