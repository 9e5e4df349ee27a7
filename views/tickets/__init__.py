"""Support tickets' pages: the lists (lists.py), a ticket and what is done on it (ticket.py),
a new ticket (add.py), the requester's public pages (public.py), the queues' settings
(settings.py), the reports and the lead's dashboard (report.py); display.py says how tickets
look on all of them."""
