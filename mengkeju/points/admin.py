"""Read-only admin: systems, data and scores change only through the services (audit events)."""

from django.contrib import admin

from .models import EnterpriseYear, ImportBatch, IndicatorSystem, PointsEvent, Score, ScoreRun


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(ReadOnly):
    list_display = ["year", "version", "name", "loaded_at"]


@admin.register(EnterpriseYear)
class EnterpriseYearAdmin(ReadOnly):
    list_display = ["organization", "year", "status", "chain", "size_class", "confirmed_by"]
    list_filter = ["year", "status"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ["file_name", "year", "rows", "imported_by", "imported_at"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnly):
    list_display = ["cohort_key", "system", "enterprises", "computed_at"]


@admin.register(Score)
class ScoreAdmin(ReadOnly):
    list_display = ["organization", "year", "total", "rank", "tier"]
    list_filter = ["year", "tier"]


@admin.register(PointsEvent)
class PointsEventAdmin(ReadOnly):
    list_display = ["at", "action", "year", "record", "actor"]
