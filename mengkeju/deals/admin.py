from django.contrib import admin

from .models import ContractParty, Deal, DealEvent, Registration, RegistrationEvent, TechnicalContract


class DealEventInline(admin.TabularInline):
    model = DealEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "from_stage", "to_stage", "note", "actor", "at")


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("title", "stage", "sub_center", "broker", "last_contacted_at", "created_at")
    list_filter = ("stage", "sub_center")
    search_fields = ("title",)
    raw_id_fields = ("demand", "achievement", "buyer", "seller", "broker", "opened_by")
    inlines = [DealEventInline]


class ContractPartyInline(admin.TabularInline):
    model = ContractParty
    extra = 0
    raw_id_fields = ("organization",)


@admin.register(TechnicalContract)
class TechnicalContractAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "amount_yuan", "transaction_amount_yuan", "status", "version")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    raw_id_fields = ("deal", "previous_version", "created_by")
    inlines = [ContractPartyInline]


class RegistrationEventInline(admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "note", "actor", "at")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations change only through the services (and their events)."""

    list_display = ("number", "title", "status", "is_current", "registered_on", "transaction_amount_yuan")
    list_filter = ("status", "is_current", "flow", "kind")
    search_fields = ("number", "title", "seller_name", "buyer_name")
    inlines = [RegistrationEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
