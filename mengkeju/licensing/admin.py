"""Read-mostly admin: records of what happened (events, reports, receipts, statements) are append-only."""

from django.contrib import admin

from mengkeju.core.admin import EventInline, ReadOnlyAdmin

from .models import (
    Licence,
    LicenceEvent,
    OpenLicenceDeclaration,
    Payment,
    PaymentReceipt,
    RevenueSharePolicy,
    RevenueShareStatement,
    RoyaltyReport,
)


class LicenceEventInline(EventInline):
    model = LicenceEvent
    readonly_fields = ("action", "from_status", "to_status", "on", "note", "actor", "at")
    fields = readonly_fields


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ("achievement", "licensor", "licensee", "scope", "status", "start_on", "end_on")
    list_filter = ("status", "scope", "use_first_pay_later", "fee_model")
    search_fields = ("achievement__title", "licensor__name", "licensee__name", "contract_reference")
    raw_id_fields = ("achievement", "licensor", "licensee", "open_declaration", "created_by")
    inlines = [LicenceEventInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpenLicenceDeclaration)
class OpenLicenceDeclarationAdmin(admin.ModelAdmin):
    list_display = ("achievement", "licensor", "fee_model", "status", "declared_on", "withdrawn_on")
    list_filter = ("status", "fee_model")
    raw_id_fields = ("achievement", "licensor", "created_by")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("licence", "kind", "due_on", "amount_yuan", "paid_amount_yuan", "paid_on")
    list_filter = ("kind",)
    raw_id_fields = ("licence", "royalty_report")

    def has_delete_permission(self, request, obj=None):
        return False


for model in (LicenceEvent, RoyaltyReport, PaymentReceipt, RevenueSharePolicy, RevenueShareStatement):
    admin.site.register(model, ReadOnlyAdmin)
