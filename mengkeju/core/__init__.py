"""The bottom package: what every domain app needs, importing no domain app.

- `exceptions` — domain errors with machine-readable codes (ConflictError → HTTP 409);
- `roles` — the user roles and `role_of(user)`, the one role lookup;
- `clock` — the region clock: the region's time zone, `now()`, `local_date()`;
- `excel` — Excel workbooks with titled sheets;
- `charts` — ECharts options built in Python (palette, named formatters) for static/mengkeju/charts.js;
- `tabular` — CSV/XLSX import: row problems, reports, all-or-nothing refusal;
- `api` — the DRF exception handler that turns domain errors into responses;
- `forms` / `views` — form styling and attaching service errors to forms;
- `events` — the append-only event base and its `record()` helper.

Domain apps import from here; nothing here imports `mengkeju.<domain app>` (tests/test_architecture.py).
"""
