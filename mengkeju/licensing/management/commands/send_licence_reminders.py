"""Alias of `licensing_reminders` (`mengkeju licensing-reminders`): the daily licensing job."""

from .licensing_reminders import Command

__all__ = ["Command"]
