"""Read-only admin: systems, data and scores change only through the services (audit events)."""

from django.contrib import admin

from mengkeju.core.admin import ReadOnlyAdmin

from .models import EnterpriseYear, ImportBatch, IndicatorSystem, PointsEvent, Score, ScoreRun


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(ReadOnlyAdmin):
    list_display = ["year", "version", "name", "loaded_at"]


@admin.register(EnterpriseYear)
class EnterpriseYearAdmin(ReadOnlyAdmin):
    list_display = ["organization", "year", "status", "chain", "size_class", "confirmed_by"]
    list_filter = ["year", "status"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "year", "rows", "imported_by", "imported_at"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ["cohort_key", "system", "enterprises", "computed_at"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["organization", "year", "total", "rank", "tier"]
    list_filter = ["year", "tier"]


@admin.register(PointsEvent)
class PointsEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "year", "record", "actor"]
