"""A service shop for the dispatch tests: a Service department with a dispatcher and a service
head, three technicians (skills, territories, working weeks in Moscow), a van, a crew, and the
service catalog; and ways to make jobs straight in the database.

Test modules import the fixture: `from tests.functional.dispatch.shop import shop  # noqa: F401`.
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from models.clients import Organization
from models.dispatch import (
    Job,
    JobSkill,
    Resource,
    ResourceGroup,
    ResourceSkill,
    Service,
    ServiceSkill,
    Skill,
    Territory,
)
from tests.clock import local_today

# Monday to Friday 9–13 and 14–18, Moscow (a lunch break).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS = {"zone": "Europe/Moscow", "week": {d: ["09:00-13:00", "14:00-18:00"] for d in WEEKDAYS}}
# Every day 08:00–20:00 (a resource that works weekends too).
EVERY_DAY = {"zone": "Europe/Moscow",
             "week": {d: ["08:00-20:00"] for d in (*WEEKDAYS, "sat", "sun")}}
MSK = dt.timezone(dt.timedelta(hours=3))
_numbers = itertools.count(1)


def msk(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in UTC given as Moscow's wall time (Moscow has no daylight saving)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK).astimezone(dt.UTC)


def next_weekday(after: dt.date | None = None, weekday: int = 0) -> dt.date:
    """The first given weekday (0 = Monday) strictly after `after` (default: Moscow's today)."""
    day = (after or local_today()) + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


class Shop:
    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.factory = factory
        self.service_dept = factory.department("Service")
        self.sales_dept = factory.department("Sales")
        self.dispatcher = factory.user("dispatcher", roles=["dispatcher"],
                                       departments=[self.service_dept], full_name="Егоров Павел")
        self.head = factory.user("servicehead", roles=["dept_head"],
                                 departments=[self.service_dept], full_name="Глава Сервиса")
        self.north = self.add(Territory(name="Север"))
        self.south = self.add(Territory(name="Юг"))
        self.gas = self.add(Skill(name="Газовые котлы", certified=True))
        self.electric = self.add(Skill(name="Электрика"))
        self.team = self.add(ResourceGroup(name="Бригада 1", department_id=self.service_dept.id))
        self.crew = self.add(ResourceGroup(name="Экипаж", kind="crew",
                                           department_id=self.service_dept.id))
        self.techs = []
        for i, (name, territory) in enumerate((("Павлов Иван", self.north),
                                              ("Никитин Олег", self.north),
                                              ("Захаров Пётр", self.south)), start=1):
            user = factory.user(f"tech{i}", roles=["technician"],
                                departments=[self.service_dept], full_name=name)
            self.techs.append(self.technician(user, territory=territory, group=self.team))
        # Two skills of the first, one (electrics, level 2) of the second, none of the third.
        self.skill(self.techs[0], self.gas, 4, expires=local_today() + dt.timedelta(days=365))
        self.skill(self.techs[0], self.electric, 3)
        self.skill(self.techs[1], self.electric, 2)
        self.van = self.add(Resource(kind="equipment", name="Газель А123", equipment_type="van",
                                     hours=EVERY_DAY, department_id=self.service_dept.id,
                                     territory_id=self.north.id))
        self.boiler_service = self.add(Service(name="Обслуживание котла", duration_minutes=120,
                                               price=4500))
        self.db.add(ServiceSkill(service_id=self.boiler_service.id, skill_id=self.gas.id,
                                 min_level=3))
        self.db.flush()
        self.client = self.add(Organization(name="ООО Ромашка", department_id=self.sales_dept.id))

    def add(self, obj):
        self.db.add(obj)
        self.db.flush()
        return obj

    def technician(self, user, territory=None, group=None, hours=HOURS) -> Resource:
        resource = Resource(kind="technician", user_id=user.id, hours=hours,
                            department_id=self.service_dept.id,
                            territory_id=territory.id if territory else None,
                            group_id=group.id if group else None)
        resource.set_name(user.full_name)
        return self.add(resource)

    def skill(self, resource, skill, level, expires=None) -> ResourceSkill:
        return self.add(ResourceSkill(resource_id=resource.id, skill_id=skill.id, level=level,
                                      certificate_expires=expires))

    def job(self, title="Не греет котёл", skills=(), **fields) -> Job:
        """An unscheduled job written straight to the database (`skills`: (skill, level))."""
        fields.setdefault("department_id", self.service_dept.id)
        fields.setdefault("organization_id", self.client.id)
        fields.setdefault("territory_id", self.north.id)
        fields.setdefault("duration_minutes", 60)
        job = Job(number=f"J-2031-{next(_numbers):06d}", **fields)
        job.set_title(title)
        job.skills = [JobSkill(skill_id=s.id, min_level=level) for s, level in skills]
        return self.add(job)


@pytest.fixture
def shop(dbsession, factory):
    return Shop(dbsession, factory)
