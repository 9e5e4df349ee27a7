"""Workflows of the portal's content types (DESIGN.md §6): the engine (engine.py) and one module
per workflow — account.py (people), article.py (knowledge-base articles), task.py (tasks),
ticket.py (support tickets), job.py (service jobs), deal.py (deals), order.py (orders).

Defining a workflow binds it to nothing: this package's includeme adds the `add_workflow`
directive and binds each workflow to the model classes that follow it, checking every
definition, so that a broken one or two of one name stop the application at start-up.
"""
from models.dispatch import Job
from models.kb import Article
from models.people import User
from models.sales import Deal, Order
from models.tasks import Task
from models.tickets import Ticket
from workflows.account import ACCOUNT
from workflows.article import ARTICLE
from workflows.deal import DEAL
from workflows.engine import add_workflow
from workflows.job import JOB
from workflows.order import ORDER
from workflows.task import TASK
from workflows.ticket import TICKET


def includeme(config) -> None:
    config.add_directive("add_workflow", add_workflow)
    config.add_workflow(ACCOUNT, User)
    config.add_workflow(ARTICLE, Article)
    config.add_workflow(TASK, Task)
    config.add_workflow(TICKET, Ticket)
    config.add_workflow(JOB, Job)
    config.add_workflow(DEAL, Deal)
    config.add_workflow(ORDER, Order)
