"""People of the talent pool as documents of the matching engine's resource index (`person:<pk>`)."""

from __future__ import annotations

from mengkeju.retrieval.interface import Document

from .models import Person


def person_documents():
    people = Person.objects.select_related("organization", "division").prefetch_related("chain_links")
    for person in people:
        yield Document(
            id=f"person:{person.pk}",
            title=f"{person.name} {person.title} {person.field}",
            body=f"{person.organization.name}。{person.bio}",
            chain_links=[link.code for link in person.chain_links.all()],
            division=person.division.code,
        )
