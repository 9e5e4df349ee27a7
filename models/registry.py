"""Named registries that the areas fill while the application is configured.

Search-indexed types, ticker jobs, timeline providers, card actions, link types, audit
describers, row security hooks and workflows are offered by each area's `includeme`, never as a
side effect of importing a module. A registry lives here, in the lowest layer, so that models
and workflows can read it; `portal.core.registry` gives the configuration directive that fills
it, and Pyramid refuses two registrations of one name in one registry at start-up.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import venusian

T = TypeVar("T")
_SEQUENCE = itertools.count()


class Registry(Generic[T]):
    """Things of one kind by name, read in the order they were registered (then by `order`)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[Any, tuple[int, int, T]] = {}
        self._sorted: list[tuple[Any, T]] | None = None

    def add(self, name: Any, item: T, order: int = 0, seq: int | None = None) -> None:
        """Store `item` under `name`. Configuring the application again replaces the entry.
        Entries are read by `order`, then by `seq` (by default, the order they came in)."""
        if seq is None:
            seq = self._items[name][1] if name in self._items else next(_SEQUENCE)
        self._items[name] = (order, seq, item)
        self._sorted = None

    def items(self) -> list[tuple[Any, T]]:
        if self._sorted is None:
            ordered = sorted(self._items.items(), key=lambda kv: (kv[1][0], kv[1][1]))
            self._sorted = [(name, entry[2]) for name, entry in ordered]
        return self._sorted

    def names(self) -> list[Any]:
        return [name for name, _ in self.items()]

    def values(self) -> list[T]:
        return [item for _, item in self.items()]

    def __iter__(self) -> Iterator[T]:
        return iter(self.values())

    def __getitem__(self, name: Any) -> T:
        return self._items[name][2]

    def get(self, name: Any, default: T | None = None) -> T | None:
        entry = self._items.get(name)
        return entry[2] if entry else default

    def remove(self, name: Any) -> None:
        """Take an entry out (tests that plug in a provider of their own take it out again)."""
        del self._items[name]
        self._sorted = None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(map(str, self.names()))}>"


class TypeRegistry(Registry[T]):
    """A registry keyed by class: `for_object` finds the entry of the object's class or a base."""

    def for_object(self, obj: object) -> T | None:
        for cls in type(obj).__mro__:
            entry = self._items.get(cls)
            if entry is not None:
                return entry[2]
        return None


Hook = Callable[..., Any]


def add_action(config, registry: Registry, name: Any, item: Any, order: int = 0,
               seq: int | None = None) -> None:
    """The configuration action behind `config.register`: its discriminator is (registry, name),
    so two registrations of one name refuse to start, naming both places."""
    if seq is None:
        seq = next(_SEQUENCE)
    config.action(("portal.register", registry.kind, name),
                  lambda: registry.add(name, item, order, seq), order=-100)


def registers(registry: Registry, name: Any = None, order: int = 0, depth: int = 1):
    """Decorator: add the function to `registry` when its area's `includeme` scans the module
    (`config.scan()`), not when the module is imported. `name` defaults to the function's dotted
    path; entries keep the order in which the functions were defined. A decorator of an area
    that calls this one passes `depth=2`, so that the function counts as defined where it is.

        @registers(JOBS, "tasks.reminders")
        def fire_task_reminders(dbsession, now): ...
    """
    def decorate(fn):
        seq = next(_SEQUENCE)
        key = name if name is not None else f"{fn.__module__}.{fn.__qualname__}"

        def callback(scanner, _name, ob):
            add_action(scanner.config, registry, key, ob, order, seq)

        venusian.attach(fn, callback, category="portal", depth=depth)
        return fn

    return decorate
