"""The task pages: the lists, one task and its actions, the form, recurring series, My day's blocks,
the client card's task buttons and the discipline report.

- `actions.py`: Actions on one task: take it from the queue, return it, reassign it, comment, the
  checklist, watchers and attachments. Every POST carries the CSRF token; htmx requests get the
  changed part of the page back, others are redirected to the task.
- `board.py`: /tasks/board: one's tasks as a kanban by state, and moving a card (the workflow
  transition to that column, JSON for the board's script, a redirect without it).
- `clients.py`: Tasks and events about a client, from the client's side: "New task" and "New event"
  on the client card and the contact page (prefilled with the client), and the picker that offers
  clients and contacts the user may see in the task and event forms.
- `day.py`: My day blocks of tasks: overdue, due today and every-day items (main column), and the
  department queue waiting to be taken (side column). A few indexed queries each: My day is
  everyone's home page.
- `display.py`: How tasks look on every task page: state colours and icons, priorities, due dates
  in the reader's zone (overdue, today, later), and the addresses of tasks and people. Shared by
  the lists, a task's page, its actions, the recurring series and the My day blocks.
- `form.py`: Adding and editing a task (deform over views/forms.FormView): the form's fields and
  widgets, and "Assign to"'s choices. What a task may be, and where it may go, is
  portal.tasks.service's (and portal.tasks.recurring's for a series); this module turns the form
  into those calls.
- `lists.py`: Tasks: the lists (my tasks, set by me, my department's queue...), a task's page, the
  header search group, and the section in the navigation.
- `recurring.py`: /tasks/recurring: one's series of recurring tasks; edit or stop one.
- `report.py`: /tasks/report: execution discipline by person or department for any period, with a
  chart, and CSV / XLSX export of the same figures.
"""
