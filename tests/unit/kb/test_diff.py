"""Comparing two versions stays quick and readable however enormous the texts are."""
from __future__ import annotations

import random
import time
from types import SimpleNamespace

from portal.kb.diff import MAX_DIFF_LINES, compare

WORDS = ["настройка", "принтер", "сеть", "доступ", "файл", "окно", "кнопка", "нажмите", "выберите"]


def version(body: str, title: str = "Статья"):
    return SimpleNamespace(body=body, title=title, summary="", tag_list=[])


def timed(old: str, new: str):
    start = time.perf_counter()
    diff = compare(version(old), version(new))
    return diff, time.perf_counter() - start


def test_changed_words_are_marked():
    diff = compare(version("Откройте окно.\nНажмите кнопку."),
                   version("Откройте окно.\nНажмите зелёную кнопку."))
    changed = [line for line in diff.lines if line.kind == "changed"]
    assert len(changed) == 1 and "<ins> зелёную</ins>" in str(changed[0].new)
    assert (diff.added, diff.removed, diff.not_shown) == (1, 1, 0)


def test_one_enormous_paragraph_is_compared_in_a_moment():
    rnd = random.Random(5)
    words = [rnd.choice(WORDS) for _ in range(25000)]
    old = " ".join(words)
    words[::50] = ["ИЗМЕНЕНО"] * len(words[::50])
    diff, seconds = timed(old, " ".join(words))
    assert seconds < 5
    assert [line.kind for line in diff.lines] == ["changed"]


def test_an_enormous_change_shows_its_beginning_and_counts_the_rest():
    diff, seconds = timed("x\n" * 100_000, "y\n" * 100_000)
    assert seconds < 5
    assert len(diff.lines) == MAX_DIFF_LINES
    assert diff.not_shown == 100_000 - MAX_DIFF_LINES
    assert (diff.added, diff.removed) == (100_000, 100_000)


def test_many_lines_with_every_other_one_changed():
    rnd = random.Random(7)
    lines = [" ".join(rnd.choice(WORDS) for _ in range(7)) for _ in range(4000)]
    changed = [line + " ещё" if i % 2 else line for i, line in enumerate(lines)]
    diff, seconds = timed("\n".join(lines), "\n".join(changed))
    assert seconds < 10
    assert len(diff.lines) <= MAX_DIFF_LINES and diff.not_shown > 0
    assert diff.added == diff.removed == 2000
