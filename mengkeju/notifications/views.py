from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notification, Preference


@login_required
def open_notification(request, pk: int):
    """Mark one's own notification read and go to the page it is about."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.mark_read(notification)
    return redirect(notification.url)


@login_required
def centre(request):
    """The notification centre: one's notifications, newest first, filtered by kind."""
    kind = request.GET.get("kind", "")
    if kind not in Notification.Kind.values:
        kind = ""
    notes = selectors.notifications_of(request.user)
    if kind:
        notes = notes.filter(kind=kind)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/centre.html",
        {
            "page": page,
            "kind": kind,
            "kinds": Notification.Kind.choices,
            "counts": selectors.unread_by_kind(request.user),
        },
    )


@login_required
@require_POST
def read(request, pk: int):
    services.mark_read(get_object_or_404(selectors.notifications_of(request.user), pk=pk))
    return redirect(request.POST.get("next") or "notifications:centre")


@login_required
@require_POST
def read_all(request):
    kind = request.POST.get("kind", "")
    count = services.mark_all_read(request.user, kind=kind if kind in Notification.Kind.values else "")
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:centre")


@login_required
def preferences(request):
    """Per kind: immediately (in-app and e-mail at once), daily digest (in-app now, e-mail once a day) or off."""
    current = selectors.preferences_of(request.user)
    status = 200
    if request.method == "POST":
        chosen = {kind: request.POST.get(f"mode-{kind}", current[kind]) for kind in Notification.Kind.values}
        try:
            services.set_preferences(request.user, chosen)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    rows = [(kind, label, current[kind]) for kind, label in Notification.Kind.choices]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "modes": Preference.Mode.choices},
        status=status,
    )
