from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect

from . import selectors, services


@login_required
def open_notification(request, pk: int):
    """Mark one's own notification read and go to the page it is about."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.mark_read(notification)
    return redirect(notification.url)
