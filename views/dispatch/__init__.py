"""Service scheduling's pages: the dispatcher's board and its JSON (board.py), the job list and
a new job (jobs.py), a job's page, its history and find-a-slot (job.py), "Send a technician"
from a ticket (tickets.py), jobs from and on the client card (clients.py), a technician's jobs
on a phone (my.py), resources and the service catalog (manage.py), the service head's reports
(report.py)."""
