"""The demo company «Прогресс» (`portal demo`, and `make serve` on a new database): people, client
records, calendar, tasks, knowledge base and sales.

- `calendar.py`: Demo data of the calendar: rooms and equipment, this week's meetings, a weekly
  planning meeting, a company holiday, answers given and still owed (a step of `portal demo`).
- `clients.py`: Demo data of the client records for «Прогресс» (a step of `portal demo`).
- `company.py`: The demo company «Прогресс»: departments, about 25 people, their roles (`portal
  demo`).
- `kb.py`: Demo knowledge base of «Прогресс»: shared folders, about twenty articles in every state,
  versions, readers, feedback and must-read confirmations (a step of `portal demo`).
- `sales.py`: Demo sales of «Прогресс»: pipelines, the product catalog, plans, and a year and a half
  of deals, orders, shipments (a few returns) and payments (some late, some unpaid).
- `tasks.py`: Demo tasks of «Прогресс»: work sent across departments, queues, overdue and done
  tasks for the discipline report, checklists, comments with mentions, recurring series, every-day
  items.
"""
