"""Uploaded files are private: nothing under MEDIA_ROOT is served at a public URL. Each kind of file has
a download view that first checks the permission of the record the file belongs to (a view answers 404
for a record the person may not see), then answers with `serve`.

`serve` streams the file from Django (`FileResponse`), or, with `MENGKEJU_SENDFILE=nginx`, answers an
empty response carrying `X-Accel-Redirect: /protected/<path>` so that nginx sends the bytes from an
`internal` location (docs/operations.md, "Uploaded files").
"""

from __future__ import annotations

import mimetypes
import uuid
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

PROTECTED_PREFIX = "/protected/"


def unguessable(folder: str, filename: str) -> str:
    """`folder/<random 32 hex>/<filename>`: a new upload's name cannot be guessed from its record."""
    return f"{folder.rstrip('/')}/{uuid.uuid4().hex}/{PurePosixPath(filename).name}"


def download_name(fieldfile) -> str:
    return PurePosixPath(fieldfile.name).name


def serve(fieldfile, *, filename: str | None = None) -> HttpResponse:
    """Answer the stored file as a download (the caller has checked the permission)."""
    if not fieldfile:
        raise Http404
    filename = filename or download_name(fieldfile)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if getattr(settings, "MENGKEJU_SENDFILE", "") == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = PROTECTED_PREFIX + quote(fieldfile.name)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        try:
            handle = fieldfile.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
