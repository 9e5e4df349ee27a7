"""Actions on one interaction: log a call attempt, record the result and plan the next steps,
reschedule. Each works from My day without leaving the page (htmx, `part=day`: the block or the
row comes back) and without JavaScript (plain POST, then a redirect to `came_from`)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm.exc import StaleDataError

from models.clients import Interaction
from models.errors import EditConflict
from models.meta import utcnow
from portal.clients.rules import INTERACTION_KIND_LABELS
from portal.core.i18n import _, format_datetime
from portal.interactions.handoff import hand_over, task_message
from portal.interactions.rules import (
    ATTEMPT_LABELS,
    Problems,
    log_attempt,
    record_result,
    reschedule,
    shifted,
)
from views.interactions.day import render_day, render_row
from views.interactions.forms import (
    blank_step,
    local_parts,
    people_choices,
    read_reschedule,
    read_result,
    result_choices,
    result_values,
)
from views.interactions.helpers import back_to, came_from, conflict_at_once, helpers, step_dates

MAX_STEPS_SHOWN = 10


def in_day(request) -> bool:
    """The request comes from My day's block through htmx: answer with a fragment."""
    return bool(request.headers.get("HX-Request")) and request.params.get("part") == "day"


def conflict_message(request, conflict: EditConflict):
    mapping = {"name": conflict.author.full_name if conflict.author else request.localizer.translate(
        _("Someone")), "when": format_datetime(request, conflict.at, "short") if conflict.at
        else ""}
    return _("${name} changed this interaction (${when}) after you opened it. Your changes "
             "were not saved: look at it now and try again.", mapping=mapping)


def follow_up_summary(request, steps) -> object:
    """“Next: Call on 12 Mar, 10:00 — Попова А. С.” for the confirmation."""
    if not steps:
        return None
    when = helpers(request)["when"]
    parts = [f"{request.localizer.translate(INTERACTION_KIND_LABELS[s.kind])} {when(s)} — "
             f"{s.responsible.full_name}" for s in steps]
    return "; ".join(parts)


@view_defaults(context=Interaction, permission="edit")
class InteractionActions:
    def __init__(self, context: Interaction, request):
        self.item = context
        self.request = request

    # --- attempts: one click each
    @view_config(name="attempt", request_method="POST")
    def attempt(self):
        request, item = self.request, self.item
        outcome = request.POST.get("outcome", "")
        try:
            count = log_attempt(request.dbsession, request.identity.user, item, outcome)
        except Problems as p:
            message = next(iter(p.problems.values()))
            if in_day(request):
                return render_day(request, 400, error=message)
            return back_to(request, item, message, error=True)
        except StaleDataError:
            return conflict_at_once(request, item)
        message = _("${what}: attempt ${n} is noted.", mapping={
            "what": ATTEMPT_LABELS[outcome], "n": count})
        if in_day(request):
            # "Talked" goes straight on to the result and the next step.
            if outcome == "talked":
                return render_day(request, message=message, open_id=item.id, open_what="result",
                                  form=result_values(request, item))
            return render_day(request, message=message)
        if outcome == "talked":
            # Without JavaScript too: on to the result form, then back where they were.
            request.session.flash(request.localizer.translate(message))
            query = {"came_from": came_from(request)} if came_from(request) else {}
            return HTTPSeeOther(request.resource_url(item, "result", query=query))
        return back_to(request, item, message)

    # --- the result and the next steps, in one form
    @view_config(name="result", request_method="GET")
    def result_form(self):
        request, item = self.request, self.item
        values = result_values(request, item)
        if request.headers.get("HX-Request") and request.GET.get("part") == "row":
            return render_row(request, item, open_what="result", form=values)
        return self.result_page(values, {}, status=200)

    def result_page(self, values, problems, status=400, conflict=None):
        request, item = self.request, self.item
        response = render_to_response("interactions/result.jinja2", {
            "title": _("Result and next steps"), "item": item, "form": values,
            "problems": problems, "conflict": conflict,
            "people": people_choices(request).for_client(
                request, item.organization_id, item.contact_id),
            "results": result_choices(request, item.result_id),
            "came_from": came_from(request), "step_dates": step_dates(request),
            **helpers(request)}, request=request)
        response.status_int = status
        return response

    @view_config(name="result", request_method="POST")
    def result_save(self):
        request, item = self.request, self.item
        values, problems, parsed = read_result(request, item, request.POST)
        if "add_step" in request.POST or "remove_step" in request.POST:
            if "remove_step" in request.POST and len(values.steps) > 1:
                index = request.POST.get("remove_step", "")
                if index.isdigit() and int(index) < len(values.steps):
                    values.steps.pop(int(index))
            elif len(values.steps) < MAX_STEPS_SHOWN:
                values.steps.append(blank_step(request))
            if in_day(request):
                return render_row(request, item, open_what="result", form=values)
            return self.result_page(values, {}, status=200)
        if parsed is None:
            if in_day(request):
                return render_row(request, item, 400, open_what="result", form=values,
                                  problems=problems)
            return self.result_page(values, problems)
        result, text, steps, tasks = parsed
        try:
            made = record_result(request.dbsession, request.identity.user, item,
                                 registry=request.registry, version=values.version,
                                 result=result, result_text=text, follow_ups=steps)
            given = hand_over(request, request.identity.user, item, tasks) if tasks else []
        except EditConflict as conflict:
            if in_day(request):
                return render_day(request, 409, error=conflict_message(request, conflict))
            values.version = str(item.version)
            return self.result_page(values, {}, status=409, conflict=conflict_message(
                request, conflict))
        except StaleDataError:
            return conflict_at_once(request, item)
        summary = follow_up_summary(request, made)
        message = _("Done. Next: ${steps}.", mapping={"steps": summary}) if summary else \
            _("Done.")
        handed = [task_message(request, task, step) for task, step in zip(given, tasks,
                                                                          strict=True)]
        if in_day(request):
            tr = request.localizer.translate
            return render_day(request, message=" ".join(tr(m) for m in [message, *handed]))
        for line in handed:
            request.session.flash(request.localizer.translate(line))
        return back_to(request, item, message)

    # --- reschedule
    @view_config(name="reschedule", request_method="GET")
    def reschedule_form(self):
        request, item = self.request, self.item
        date, time = local_parts(request, item.planned_at)
        if request.headers.get("HX-Request") and request.GET.get("part") == "row":
            return render_row(request, item, open_what="reschedule",
                              form={"date": date, "time": time, "version": item.version})
        return self.reschedule_page({"date": date, "time": time, "version": item.version}, {},
                                    status=200)

    def reschedule_page(self, form, problems, status=400, conflict=None):
        request = self.request
        response = render_to_response("interactions/reschedule.jinja2", {
            "title": _("Reschedule"), "item": self.item, "form": form, "problems": problems,
            "conflict": conflict, "came_from": came_from(request), **helpers(request)},
            request=request)
        response.status_int = status
        return response

    def read_move(self):
        """(the form to show again, {field: problem}, the new UTC moment or None): a quick
        shift ("tomorrow", keeping the time of day) or the date and time typed."""
        request, item, post = self.request, self.item, self.request.POST
        if not post.get("shift"):
            return read_reschedule(request, item, post)
        form = {"date": post.get("date", ""), "time": post.get("time", ""),
                "version": post.get("version", "")}
        zone = request.user_timezone
        try:
            return form, {}, shifted(utcnow(), zone, post["shift"],
                                     keep=item.planned_at.astimezone(zone).time())
        except Problems as p:
            return form, p.problems, None

    @view_config(name="reschedule", request_method="POST")
    def reschedule_save(self):
        request, item = self.request, self.item
        form, problems, when = self.read_move()
        if not problems:
            try:
                reschedule(request.dbsession, item, when, version=form["version"] or None)
            except Problems as p:
                problems = p.problems
            except EditConflict as conflict:
                if in_day(request):
                    return render_day(request, 409, error=conflict_message(request, conflict))
                date, time = local_parts(request, item.planned_at)
                return self.reschedule_page({"date": date, "time": time,
                                             "version": item.version}, {}, status=409,
                                            conflict=conflict_message(request, conflict))
            except StaleDataError:
                return conflict_at_once(request, item)
        if problems:
            if in_day(request):
                return render_row(request, item, 400, open_what="reschedule", form=form,
                                  problems=problems)
            return self.reschedule_page(form, problems)
        when_text = helpers(request)["when"](item, "d MMM, HH:mm")
        message = _("Moved to ${when}.", mapping={"when": when_text})
        if in_day(request):
            return render_day(request, message=message)
        return back_to(request, item, message)
