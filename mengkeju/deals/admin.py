"""Deals, contracts and registrations move only through the services, which record their history:
the admin shows stages, statuses and events but does not change them."""

from django.contrib import admin

from mengkeju.core.admin import EventInline, ReadOnlyAdmin

from .models import ContractParty, Deal, DealEvent, Registration, RegistrationEvent, TechnicalContract


class DealEventInline(EventInline):
    model = DealEvent
    fields = ("kind", "from_stage", "to_stage", "note", "actor", "at")
    readonly_fields = fields


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("title", "stage", "sub_center", "broker", "last_contacted_at", "created_at")
    list_filter = ("stage", "sub_center")
    search_fields = ("title",)
    raw_id_fields = ("demand", "achievement", "buyer", "seller", "broker", "opened_by")
    readonly_fields = ("stage",)  # moves through services.transition_deal, which records the event
    inlines = [DealEventInline]

    def has_delete_permission(self, request, obj=None):
        """A deal with history stays (its events PROTECT it); one without any may go."""
        if obj is not None and obj.events.exists():
            return False
        return super().has_delete_permission(request, obj)


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
    readonly_fields = ("status",)  # changes through the registration services only
    inlines = [ContractPartyInline]


class RegistrationEventInline(EventInline):
    model = RegistrationEvent
    fields = ("action", "from_status", "to_status", "note", "actor", "at")
    readonly_fields = fields


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    """Read-only: registrations change only through the services (and their events)."""

    list_display = ("number", "title", "status", "is_current", "registered_on", "transaction_amount_yuan")
    list_filter = ("status", "is_current", "flow", "kind")
    search_fields = ("number", "title", "seller_name", "buyer_name")
    inlines = [RegistrationEventInline]


@admin.register(DealEvent)
class DealEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "deal", "kind", "from_stage", "to_stage", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("deal",)


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "registration", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
