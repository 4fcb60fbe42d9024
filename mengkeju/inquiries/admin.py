from django.contrib import admin

from .models import Message, Thread


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("author", "body", "is_inquiry", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Read-only: threads change only through the services (send, reply, convert, close)."""

    list_display = ("title", "kind", "inquirer", "owner", "sub_center", "status", "last_message_at")
    list_filter = ("status", "kind", "sub_center")
    search_fields = ("title", "inquirer__name", "owner__name")
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
