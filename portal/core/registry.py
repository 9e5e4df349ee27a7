"""The `config.register` directive: areas offer what they have from their `includeme`.

    config.register(JOBS, "tasks.reminders", fire_task_reminders)

or, on a function, `@registers(JOBS, "tasks.reminders")` (`models.registry`), which registers it
when the area's `includeme` scans its modules. The registry objects live beside the code that
reads them (`models.registry.Registry`). Each registration is a configuration action whose
discriminator is (registry, name), so two areas registering one name make the application
refuse to start with Pyramid's conflict error, naming both places.
"""
from __future__ import annotations

from models.registry import add_action


def includeme(config) -> None:
    config.add_directive("register", add_action)
