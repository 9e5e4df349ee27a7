"""The dispatcher's board in a real Chromium: a job dragged from the pane onto a technician is
stored; dragged onto a technician busy then, it is refused with the reason and stays in the
pane; a bar dragged onto a busy row is refused and goes back where it was."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.browser.conftest import live_engine, log_in, wait_until
from tests.clock import local_at, local_today

# Every day 06:00-22:00 in Moscow: whatever day the suite runs, the day shown is working time.
HOURS = {"zone": "Europe/Moscow",
         "week": {d: ["06:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
# Far enough ahead that no demo booking is there.
DAY = local_today() + dt.timedelta(days=60)


@pytest.fixture(scope="module")
def board(live_server):
    """Two technicians of the demo company on the board, a job holding the second one at 10:00
    on DAY, time off of the first one 19:00-21:00, and three unscheduled jobs."""
    from models.dispatch import Job, Resource, TimeOff
    from models.people import Department, User
    from portal.dispatch.service import next_number, plan

    engine = live_engine()
    with Session(engine) as db:
        users = {u.login: u for u in db.scalars(
            sa.select(User).where(User.login.in_(("nikitin", "zakharov"))))}
        dept = db.scalar(sa.select(Department.id).order_by(Department.id).limit(1))
        techs = {}
        for login in ("nikitin", "zakharov"):
            resource = db.scalar(sa.select(Resource).where(Resource.user_id == users[login].id))
            if resource is None:
                resource = Resource(kind="technician", user_id=users[login].id,
                                    department_id=dept)
                resource.set_name(users[login].full_name)
                db.add(resource)
            resource.hours = HOURS
            resource.active = True
            techs[login] = resource
        db.flush()

        def job(title):
            made = Job(number=next_number(db, DAY.year), department_id=dept, duration_minutes=60,
                       priority=2)
            made.set_title(title)
            db.add(made)
            db.flush()
            return made

        blocker = job("Занятость Захарова")
        plan(db, None, blocker, [techs["zakharov"].id], local_at(DAY, 10))
        first, second = job("Проверить котёл в кафе"), job("Заменить датчик на складе")
        third = job("Осмотр вентиляции")
        db.add(TimeOff(resource_id=techs["nikitin"].id, starts_at=local_at(DAY, 19),
                       ends_at=local_at(DAY, 21), note="Учёба"))
        db.commit()
        return {"techs": {k: v.id for k, v in techs.items()}, "first": first.number,
                "second": second.number, "third": third.number, "blocker": blocker.number,
                "names": {k: users[k].full_name for k in techs}}


def stored(number: str):
    from models.dispatch import Job

    with Session(live_engine()) as db:
        job = db.scalar(sa.select(Job).where(Job.number == number))
        return job.state, job.starts_at, job.resource_ids


def point_of(page, resource_id: int, hour: int) -> dict:
    """Where on the page the board shows `resource_id`'s row at `hour`:00 (asked of the widget
    with dateFromPoint, scanning the row's height band from left to right)."""
    found = page.evaluate("""([rid, hour]) => {
        const ec = window.dispatchBoard;
        const body = document.querySelector('#dispatch-board .ec-body') ||
                     document.querySelector('#dispatch-board');
        const box = body.getBoundingClientRect();
        for (let y = box.top + 2; y < box.bottom; y += 4) {
          for (let x = box.left + 2; x < box.right; x += 4) {
            const info = ec.dateFromPoint(x, y);
            if (info && info.resource && String(info.resource.id) === String(rid) &&
                info.date.getHours() === hour && info.date.getMinutes() === 0) {
              return {x: x + 6, y: y + 6};
            }
          }
        }
        return null;
      }""", [resource_id, hour])
    assert found, f"no place for resource {resource_id} at {hour}:00 on the board"
    return found


def drag_to(page, source, resource_id: int, hour: int) -> None:
    """A drag (HTML5 from the pane, the widget's own for a bar) from `source` to the row of
    `resource_id` at `hour`:00."""
    source.scroll_into_view_if_needed()
    point = point_of(page, resource_id, hour)
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2, steps=3)
    page.mouse.move(point["x"], point["y"], steps=12)
    page.mouse.up()


def pane_item(page, number: str):
    """The job in the pane, found with the pane's search."""
    page.fill("#pane-q", number)
    item = page.locator(".pane-job", has_text=number)
    item.wait_for()
    wait_until(page, "document.querySelectorAll('#pane-list .pane-job').length === 1")
    return item


def on_board(number: str) -> str:
    """JavaScript: whether the board shows a bar of job `number`."""
    return f"!!document.querySelector('#dispatch-board [data-job={json.dumps(number)}]')"


def open_board(page, base: str, blocker: str) -> None:
    log_in(page, base, "egorov")
    page.goto(f"{base}/dispatch?view=resourceTimelineDay&date={DAY.isoformat()}")
    page.locator("#dispatch-board .ec-toolbar").wait_for()
    wait_until(page, "document.querySelectorAll('#pane-list .pane-job').length > 0")
    wait_until(page, on_board(blocker))


def test_a_job_dragged_from_the_pane_onto_a_technician_is_stored(page, live_server, board):
    open_board(page, live_server, board["blocker"])
    tech = board["techs"]["nikitin"]
    item = pane_item(page, board["first"])
    drag_to(page, item, tech, 11)
    wait_until(page, on_board(board["first"]))
    state, starts_at, resources = stored(board["first"])
    assert state == "scheduled" and resources == [tech]
    assert starts_at == local_at(DAY, 11)
    wait_until(page, f"!document.querySelector('#pane-list').textContent"
                     f".includes({json.dumps(board['first'])})")


def test_a_job_dragged_onto_a_busy_technician_is_refused_and_stays_in_the_pane(
        page, live_server, board):
    open_board(page, live_server, board["blocker"])
    busy = board["techs"]["zakharov"]
    item = pane_item(page, board["second"])
    drag_to(page, item, busy, 10)
    toast = page.locator("#dispatch-toasts .toast", has_text="is busy then")
    toast.wait_for()
    assert board["blocker"] in toast.inner_text()
    assert stored(board["second"])[0] == "unscheduled"
    assert page.locator(".pane-job", has_text=board["second"]).count() == 1
    assert not page.evaluate(on_board(board["second"]))


def test_a_bar_dragged_onto_a_busy_row_goes_back(page, live_server, board):
    open_board(page, live_server, board["blocker"])
    first, busy = board["techs"]["nikitin"], board["techs"]["zakharov"]
    if stored(board["first"])[0] != "scheduled":
        pytest.skip("needs the job planned by the first test")
    bar = page.locator(f"#dispatch-board [data-job={json.dumps(board['first'])}]")
    bar.wait_for()
    drag_to(page, bar, busy, 10)
    page.locator("#dispatch-toasts .toast", has_text="is busy then").wait_for()
    rows_of = ("JSON.stringify(window.dispatchBoard.getEvents().find(e => "
               f"e.extendedProps.number === {json.dumps(board['first'])}).resourceIds.map(String))")
    wait_until(page, f"{rows_of} === {json.dumps(json.dumps([str(first)]))}")
    _state, starts_at, resources = stored(board["first"])
    assert resources == [first] and starts_at == local_at(DAY, 11)


def test_over_time_off_the_board_asks_for_a_reason_and_plans_with_it(page, live_server, board):
    from models.dispatch import Job

    open_board(page, live_server, board["blocker"])
    # Zoomed out, the evening is in sight too.
    page.click("#zoom-out")
    page.click("#zoom-out")
    item = pane_item(page, board["third"])
    drag_to(page, item, board["techs"]["nikitin"], 19)
    page.locator("#reason-modal.show").wait_for()
    assert "is off then" in page.locator("#reason-problems").inner_text()
    page.fill("#reason-text", "Клиент ждёт, учёбу перенесли")
    page.click("#reason-go")
    wait_until(page, on_board(board["third"]))
    with Session(live_engine()) as db:
        job = db.scalar(sa.select(Job).where(Job.number == board["third"]))
        assert job.state == "scheduled" and job.override_reason == "Клиент ждёт, учёбу перенесли"


def test_another_dispatchers_change_appears_without_reloading(page, live_server, board):
    from models.dispatch import Job
    from portal.dispatch.service import plan

    open_board(page, live_server, board["blocker"])
    assert not page.evaluate(on_board(board["second"]))
    with Session(live_engine()) as db:
        job = db.scalar(sa.select(Job).where(Job.number == board["second"]))
        plan(db, None, job, [board["techs"]["nikitin"]], local_at(DAY, 15))
        db.commit()
    # The board asks every ten seconds whether anything changed.
    wait_until(page, on_board(board["second"]), timeout=30)
    wait_until(page, f"!document.querySelector('#pane-list').textContent"
                     f".includes({json.dumps(board['second'])})")
