"""Factories for client records: `clients.organization(...)`, `clients.contact(...)`,
`clients.interaction(...)`, `clients.classifier(list, title)` and `clients.inn()`."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

_counter = itertools.count(100000001)


class ClientFactory:
    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.people = factory

    def inn(self, individual: bool = False) -> str:
        """A fresh valid INN (10 digits, or 12 for an individual entrepreneur)."""
        from portal.clients.rules import complete_inn

        n = next(_counter)
        return complete_inn(f"77{n:08d}"[:10] if individual else f"{n:09d}"[-9:])

    def classifier(self, list_name: str, title: str | None = None):
        from models.clients import Classifier

        entry = self.db.scalar(sa.select(Classifier).where(
            Classifier.list == list_name, Classifier.title == title) if title else
            sa.select(Classifier).where(Classifier.list == list_name).order_by(Classifier.id))
        if entry is None:
            entry = Classifier(list=list_name, title=title or f"{list_name} entry", sort_order=999)
            self.db.add(entry)
            self.db.flush()
        return entry

    def organization(self, name: str = "ООО «Ромашка»", *, manager=None, department=None,
                     phones=(), emails=(), **fields):
        from models.clients import Email, Organization, Phone

        if department is None and manager is not None and manager.memberships:
            department = manager.memberships[0].department
        org = Organization(name=name, manager=manager, department=department, **fields)
        for i, number in enumerate(phones):
            org.phones.append(Phone(number=number, sort_order=i))
        for i, address in enumerate(emails):
            org.emails.append(Email(address=address, sort_order=i))
        self.db.add(org)
        self.db.flush()
        return org

    def contact(self, full_name: str = "Иванов Иван Иванович", *, organization=None,
                phones=(), emails=(), **fields):
        from models.clients import Contact, ContactEmployment, Email, Phone

        contact = Contact(full_name=full_name, organization=organization, **fields)
        for i, number in enumerate(phones):
            contact.phones.append(Phone(number=number, sort_order=i))
        for i, address in enumerate(emails):
            contact.emails.append(Email(address=address, sort_order=i))
        if organization is not None:
            contact.employments.append(ContactEmployment(
                organization=organization, organization_name=organization.name,
                position=fields.get("position", ""), started_on=dt.date(2020, 1, 1)))
        self.db.add(contact)
        self.db.flush()
        return contact

    def interaction(self, *, responsible, organization=None, contact=None, kind="call",
                    planned_at=None, done_at=None, author=None, **fields):
        from models.clients import Interaction
        from models.meta import utcnow

        item = Interaction(kind=kind, responsible=responsible, author=author or responsible,
                           organization=organization, contact=contact,
                           planned_at=planned_at or utcnow(), done_at=done_at, **fields)
        self.db.add(item)
        self.db.flush()
        return item


@pytest.fixture
def clients(dbsession, factory):
    return ClientFactory(dbsession, factory)
