/* The dispatcher's board (/dispatch): the @event-calendar resource timeline (rows = resources,
   bars = jobs), the pane of unscheduled jobs dragged onto it (HTML5 drag and drop; the row and the
   time come from ec.dateFromPoint), moves and resizes checked by the server (a refusal lists every
   problem and the bar goes back; overridable problems ask for a reason), the job's panel with
   find-a-slot, auto-plan's proposal, and a poll that shows other dispatchers' changes. */
(function () {
  "use strict";

  var cfg, ec, boardEl, rowNames = {}, stamp = "", busy = 0, dragging = null, zoom = 2, lastView = "";
  var WIDTHS = { resourceTimelineDay: [20, 28, 40, 56, 80], resourceTimelineWeek: [6, 9, 12, 18, 26] };

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]; } catch (e) { return ""; }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // The widget's dates carry the user's wall time in their local fields (timeZone = the user's
  // offset); the server takes that wall time without a zone.
  function wallString(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":00";
  }
  function shortWall(text) { return text ? text.slice(8, 10) + "." + text.slice(5, 7) + " " + text.slice(11, 16) : ""; }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function toast(lines, kind) {
    var box = document.getElementById("dispatch-toasts");
    if (!box) return;
    lines = [].concat(lines).filter(Boolean);
    if (!lines.length) return;
    var t = el("div", "toast align-items-center border-0 text-bg-" + (kind || "dark"));
    t.setAttribute("role", "alert");
    t.setAttribute("aria-live", "assertive");
    var row = el("div", "d-flex"), body = el("div", "toast-body");
    body.appendChild(el("div", "", lines[0]));
    if (lines.length > 1) {
      var ul = el("ul", "mb-0 ps-3");
      lines.slice(1).forEach(function (l) { ul.appendChild(el("li", "", l)); });
      body.appendChild(ul);
    }
    var close = el("button", "btn-close btn-close-white me-2 m-auto");
    close.type = "button";
    close.setAttribute("data-bs-dismiss", "toast");
    row.appendChild(body);
    row.appendChild(close);
    t.appendChild(row);
    box.appendChild(t);
    if (window.bootstrap) new bootstrap.Toast(t, { delay: kind === "danger" ? 9000 : 4000 }).show();
    t.addEventListener("hidden.bs.toast", function () { t.remove(); });
  }

  function getJSON(name, params) {
    var url = new URL(cfg.urls[name], location.href);
    Object.keys(params || {}).forEach(function (k) { if (params[k] !== "" && params[k] !== undefined) url.searchParams.set(k, params[k]); });
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { d._status = r.status; return d; }); });
  }
  function postJSON(name, params) {
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k] !== undefined && params[k] !== null) body.set(k, params[k]); });
    busy++;
    return fetch(cfg.urls[name], {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, message: cfg.text.failed }; })
        .then(function (d) { d._status = r.status; return d; });
    }).finally(function () { busy--; });
  }

  function filters() {
    var form = document.getElementById("board-filters"), out = {};
    ["territory", "skill", "group"].forEach(function (n) { out[n] = form.elements[n].value; });
    return out;
  }

  // --- rows ------------------------------------------------------------------------------------

  function grouped(rows) {
    var by = document.getElementById("board-by").value, parents = {}, order = [];
    rows.forEach(function (r) {
      var p = r.extendedProps, key = by === "territory" ? p.territoryId : p.groupId;
      var title = by === "territory" ? (p.territory || cfg.text.noTerritory) : (p.group || cfg.text.noGroup);
      var id = "g:" + by + ":" + (key || 0);
      if (!parents[id]) { parents[id] = { id: id, title: title, children: [], extendedProps: { parent: true } }; order.push(parents[id]); }
      parents[id].children.push(r);
    });
    order.sort(function (a, b) { return a.id.slice(-2) === ":0" ? 1 : b.id.slice(-2) === ":0" ? -1 : a.title.localeCompare(b.title); });
    return order;
  }

  function label(arg) {
    var r = arg.resource, p = r.extendedProps || {};
    var box = el("span", "board-row" + (p.parent ? " board-group" : ""));
    box.appendChild(el("span", "board-row-name", r.title));
    if (!p.parent) {
      var u = p.utilization;
      var badge = el("span", "board-util" + (u === null || u === undefined ? " none" : u >= 90 ? " high" : u >= 60 ? " mid" : ""),
        u === null || u === undefined ? "—" : u + "%");
      badge.title = cfg.text.utilization;
      box.appendChild(badge);
    }
    return { domNodes: [box] };
  }

  function fetchBoard(info, success, failure) {
    var params = filters();
    params.start = wallString(info.start);
    params.end = wallString(info.end);
    getJSON("board.json", params).then(function (data) {
      if (data._status !== 200) throw new Error(data.message || data._status);
      data.resources.forEach(function (r) { rowNames[String(r.id)] = r.title; });
      ec.setOption("resources", grouped(data.resources));
      success(data.events);
    }).catch(function (e) { failure(e); toast(cfg.text.failed, "danger"); });
  }

  // --- changes -----------------------------------------------------------------------------------

  function refresh() { ec.refetchEvents(); loadPane(); }

  /* Send a change; on a refusal show every problem (asking for a reason when only overridable
     ones stand in the way) and call `undo` (the bar goes back). */
  function send(params, undo) {
    boardEl.classList.add("board-saving");
    return postJSON("plan", params).then(function (res) {
      if (res.ok) {
        toast([cfg.text.saved].concat(res.warnings || []), (res.warnings || []).length ? "warning" : "success");
        refresh();
        return;
      }
      if (res.needs_reason) { askReason(res.problems, params, undo); return; }
      if (undo) undo();
      toast(res.problems ? [cfg.text.refused].concat(res.problems.map(function (p) { return p.message; }))
                         : [res.message || cfg.text.failed], "danger");
      if (res.problems && res.problems.some(function (p) { return p.code === "revision"; })) refresh();
    }).catch(function () { if (undo) undo(); toast(cfg.text.failed, "danger"); })
      .finally(function () { boardEl.classList.remove("board-saving"); });
  }

  var pendingReason = null;
  function askReason(problems, params, undo) {
    var list = document.getElementById("reason-problems");
    list.innerHTML = "";
    problems.forEach(function (p) { list.appendChild(el("li", "", p.message)); });
    document.getElementById("reason-text").value = "";
    pendingReason = { params: params, undo: undo };
    bootstrap.Modal.getOrCreateInstance(document.getElementById("reason-modal")).show();
  }

  function setupReason() {
    var modal = document.getElementById("reason-modal");
    document.getElementById("reason-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var text = document.getElementById("reason-text").value.trim();
      if (!text || !pendingReason) return;
      var p = pendingReason;
      pendingReason = null;
      p.params.reason = text;
      bootstrap.Modal.getOrCreateInstance(modal).hide();
      send(p.params, p.undo);
    });
    modal.addEventListener("hidden.bs.modal", function () {
      if (pendingReason) { var p = pendingReason; pendingReason = null; if (p.undo) p.undo(); }
    });
  }

  function moved(info) {
    var e = info.event, p = e.extendedProps;
    var ids = (e.resourceIds || []).map(String);
    if (info.oldResource && info.newResource) {
      if (String(info.newResource.id).indexOf("g:") === 0) { info.revert(); return; }
      ids = ids.filter(function (i) { return i !== String(info.oldResource.id); });
      if (ids.indexOf(String(info.newResource.id)) < 0) ids.push(String(info.newResource.id));
    }
    send({ job: p.jobId, resources: ids.join(","), start: wallString(e.start), end: wallString(e.end || e.start),
           revision: p.revision }, function () { info.revert(); });
  }

  // --- the pane ---------------------------------------------------------------------------------------

  var panePage = 1, paneTimer = null;
  function loadPane(more) {
    panePage = more ? panePage + 1 : 1;
    var params = { q: document.getElementById("pane-q").value.trim(), priority: document.getElementById("pane-priority").value,
                   territory: filters().territory, page: panePage };
    return getJSON("unscheduled.json", params).then(function (data) {
      if (data._status !== 200) throw new Error(data.message);
      var list = document.getElementById("pane-list");
      if (!more) list.innerHTML = "";
      document.getElementById("pane-count").textContent = data.total;
      if (!data.jobs.length && !more) list.appendChild(el("li", "text-secondary small py-2", cfg.text.noJobs));
      data.jobs.forEach(function (j) { list.appendChild(paneItem(j)); });
      document.getElementById("pane-more").classList.toggle("d-none", !data.more);
    }).catch(function () { toast(cfg.text.failed, "danger"); });
  }

  function paneItem(j) {
    var li = el("li", "pane-job prio-" + j.priority + (j.editable ? "" : " locked"));
    li.dataset.id = j.id;
    li.draggable = !!j.editable;
    var head = el("div", "d-flex justify-content-between gap-2");
    var title = el("a", "pane-title", j.number + " · " + j.title);
    title.href = j.url;
    title.draggable = false;
    head.appendChild(title);
    head.appendChild(el("span", "badge prio-badge prio-" + j.priority, j.priorityTitle));
    li.appendChild(head);
    var meta = el("div", "pane-meta small text-secondary");
    meta.appendChild(el("span", "", j.duration + " " + cfg.text.minutes));
    if (j.technicians > 1) meta.appendChild(el("span", "", "× " + j.technicians));
    if (j.equipment) meta.appendChild(el("span", "", "+ " + j.equipment));
    if (j.territory) meta.appendChild(el("span", "", j.territory));
    if (j.client) meta.appendChild(el("span", "", j.client));
    if (j.earliest || j.latest) meta.appendChild(el("span", "", cfg.text.window + ": " + shortWall(j.earliest) + "–" + shortWall(j.latest)));
    li.appendChild(meta);
    li.addEventListener("dragstart", function (e) {
      dragging = j;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", j.number);
      li.classList.add("dragging");
    });
    li.addEventListener("dragend", function () { dragging = null; li.classList.remove("dragging"); });
    li.addEventListener("click", function (e) {
      if (e.target.tagName === "A") return;
      openPanel({ jobId: j.id, number: j.number, title: j.title, revision: j.revision, priorityTitle: j.priorityTitle,
                  state: "unscheduled", client: j.client, address: j.address, url: j.url, flags: [] }, null, true);
    });
    return li;
  }

  function setupDrop() {
    boardEl.addEventListener("dragover", function (e) {
      if (!dragging) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
    });
    boardEl.addEventListener("drop", function (e) {
      if (!dragging) return;
      e.preventDefault();
      var job = dragging;
      dragging = null;
      var at = ec.dateFromPoint(e.clientX, e.clientY);
      if (!at || !at.resource || String(at.resource.id).indexOf("g:") === 0) return;
      var item = document.querySelector('.pane-job[data-id="' + job.id + '"]');
      if (item) item.classList.add("saving");
      send({ job: job.id, resources: String(at.resource.id), start: wallString(at.date), revision: job.revision },
           function () { if (item) item.classList.remove("saving"); });
    });
    document.getElementById("pane-q").addEventListener("input", function () {
      clearTimeout(paneTimer);
      paneTimer = setTimeout(function () { loadPane(); }, 250);
    });
    document.getElementById("pane-priority").addEventListener("change", function () { loadPane(); });
    document.getElementById("pane-more").addEventListener("click", function () { loadPane(true); });
  }

  // --- the job's panel --------------------------------------------------------------------------------

  var panelJob = null;
  function stateTitle(p) { return p.stateTitle || (p.state && cfg.states[p.state]) || ""; }
  function priorityTitle(p) { return p.priorityTitle || cfg.priorities[String(p.priority)] || ""; }

  function openPanel(p, event, unscheduled) {
    panelJob = p;
    var panel = document.getElementById("job-panel");
    document.getElementById("job-panel-title").textContent = p.number + " · " + p.title;
    var when = event ? shortWall(wallString(event.start)) + "–" + wallString(event.end || event.start).slice(11, 16) : "—";
    var who = event ? (event.resourceIds || []).map(function (id) { return rowNames[String(id)] || String(id); }).join(", ") : "—";
    var values = { stateTitle: stateTitle(p) || "—", priorityTitle: priorityTitle(p) || "—", when: when, who: who,
                   client: p.client || "—", address: p.address || "—" };
    panel.querySelectorAll("[data-field]").forEach(function (dd) { dd.textContent = values[dd.dataset.field]; });
    var flags = document.getElementById("job-panel-flags");
    flags.textContent = (p.flags || []).join("; ");
    flags.classList.toggle("d-none", !(p.flags || []).length);
    document.getElementById("job-open").href = p.url || cfg.jobsUrl + p.number;
    document.getElementById("job-unplan").classList.toggle("d-none", !!unscheduled || !event || !event.editable && event.editable !== undefined);
    document.getElementById("job-slot-list").innerHTML = "";
    bootstrap.Offcanvas.getOrCreateInstance(panel).show();
  }

  function setupPanel() {
    document.getElementById("job-slots").addEventListener("click", function () {
      if (!panelJob) return;
      var list = document.getElementById("job-slot-list");
      list.innerHTML = "";
      list.appendChild(el("div", "text-secondary", cfg.text.loading));
      getJSON("slots.json", { job: panelJob.jobId }).then(function (data) {
        list.innerHTML = "";
        if (data._status !== 200) { list.appendChild(el("div", "text-danger", data.message || cfg.text.failed)); return; }
        if (!data.slots.length) { list.appendChild(el("div", "text-secondary", cfg.text.noSlots)); return; }
        data.slots.forEach(function (s) {
          var b = el("button", "list-group-item list-group-item-action d-flex justify-content-between gap-2");
          b.type = "button";
          b.appendChild(el("span", "", shortWall(s.start) + "–" + s.end.slice(11, 16) + " · " + s.names.join(", ")));
          b.appendChild(el("span", "btn btn-sm btn-outline-primary py-0 align-self-center", cfg.text.book));
          b.addEventListener("click", function () {
            bootstrap.Offcanvas.getOrCreateInstance(document.getElementById("job-panel")).hide();
            send({ job: data.job.id, resources: s.resource_ids.join(","), start: s.start, end: s.end, revision: data.job.revision });
          });
          list.appendChild(b);
        });
      }).catch(function () { list.innerHTML = ""; toast(cfg.text.failed, "danger"); });
    });
    document.getElementById("job-unplan").addEventListener("click", function () {
      if (!panelJob) return;
      var job = panelJob;
      bootstrap.Offcanvas.getOrCreateInstance(document.getElementById("job-panel")).hide();
      postJSON("unplan", { job: job.jobId, revision: job.revision }).then(function (res) {
        if (res.ok) { toast(cfg.text.saved, "success"); refresh(); return; }
        toast(res.problems ? [cfg.text.refused].concat(res.problems.map(function (p) { return p.message; })) : (res.message || cfg.text.failed), "danger");
      }).catch(function () { toast(cfg.text.failed, "danger"); });
    });
  }

  // --- auto-plan --------------------------------------------------------------------------------------

  var ghosts = [], proposal = null;
  function setGhosts(list) {
    ghosts.forEach(function (g) { ec.removeEventById(g.id); });
    ghosts = list;
    ghosts.forEach(function (g) { ec.addEvent(g); });
  }

  function setupAutoplan() {
    var panelEl = document.getElementById("proposal-panel");
    document.getElementById("autoplan").addEventListener("click", function () {
      var view = ec.getView(), params = filters(), button = this;
      params.start = wallString(view.activeStart);
      params.end = wallString(view.activeEnd);
      button.disabled = true;
      postJSON("autoplan", params).then(function (res) {
        if (res._status !== 200) { toast(res.message || cfg.text.failed, "danger"); return; }
        proposal = res;
        var placed = document.getElementById("proposal-placed"), unplaced = document.getElementById("proposal-unplaced");
        placed.innerHTML = "";
        unplaced.innerHTML = "";
        res.placements.forEach(function (p) {
          var tr = el("tr");
          tr.appendChild(el("td", "", p.number + " · " + p.title));
          tr.appendChild(el("td", "text-nowrap", shortWall(p.start) + "–" + p.end.slice(11, 16)));
          tr.appendChild(el("td", "", (p.names || []).join(", ")));
          placed.appendChild(tr);
        });
        res.unplaced.forEach(function (u) { unplaced.appendChild(el("li", "", u.number + " · " + u.title + ": " + u.why)); });
        document.getElementById("proposal-summary").textContent = res.placements.length || res.unplaced.length
          ? cfg.text.placed + ": " + res.placements.length + " · " + cfg.text.unplaced + ": " + res.unplaced.length +
            (res.solver ? " · " + res.solver : "")
          : cfg.text.nothing;
        document.getElementById("proposal-accept").disabled = !res.placements.length;
        setGhosts(res.placements.map(function (p) {
          return { id: "ghost:" + p.job_id, resourceIds: p.resource_ids, start: p.start, end: p.end,
                   title: p.number + " · " + p.title, editable: false, classNames: ["job", "ghost"] };
        }));
        bootstrap.Offcanvas.getOrCreateInstance(panelEl).show();
      }).catch(function () { toast(cfg.text.failed, "danger"); })
        .finally(function () { button.disabled = false; });
    });
    document.getElementById("proposal-accept").addEventListener("click", function () {
      if (!proposal) return;
      var placements = proposal.placements.map(function (p) {
        return { job_id: p.job_id, resource_ids: p.resource_ids, start: p.start, end: p.end, revision: p.revision };
      });
      proposal = null;
      bootstrap.Offcanvas.getOrCreateInstance(panelEl).hide();
      postJSON("accept-plan", { placements: JSON.stringify(placements) }).then(function (res) {
        if (!res.ok) { toast(res.message || cfg.text.failed, "danger"); return; }
        var lines = [cfg.text.accepted.replace("{n}", res.placed.length)];
        if (res.refused.length) {
          lines.push(cfg.text.declined.replace("{n}", res.refused.length));
          res.refused.forEach(function (r) { lines.push((r.number || r.job_id) + ": " + r.problems.join("; ")); });
        }
        toast(lines, res.refused.length ? "warning" : "success");
        setGhosts([]);
        refresh();
      }).catch(function () { toast(cfg.text.failed, "danger"); });
    });
    panelEl.addEventListener("hidden.bs.offcanvas", function () { if (proposal) { proposal = null; setGhosts([]); } });
  }

  // --- another dispatcher's changes -----------------------------------------------------------------

  function poll() {
    if (document.hidden || busy || dragging || pendingReason) return;
    getJSON("changes.json", { after: stamp }).then(function (res) {
      if (res._status !== 200) return;
      var changed = stamp && res.stamp !== stamp;
      stamp = res.stamp;
      if (changed) refresh();
    }).catch(function () { /* the next poll tries again */ });
  }

  // --- the board --------------------------------------------------------------------------------------

  function applyZoom() {
    var view = ec.getOption("view");
    ec.setOption("slotWidth", (WIDTHS[view] || WIDTHS.resourceTimelineDay)[zoom]);
  }

  function setup() {
    var configEl = document.getElementById("dispatch-config");
    boardEl = document.getElementById("dispatch-board");
    if (!configEl || !boardEl || !window.EventCalendar) return;
    cfg = JSON.parse(configEl.textContent);
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    try { zoom = Math.min(4, Math.max(0, parseInt(localStorage.getItem("portal.dispatch.zoom") || "2", 10))); } catch (e) { zoom = 2; }
    var views = "resourceTimelineDay,resourceTimelineWeek";
    ec = EventCalendar.create(boardEl, {
      view: cfg.view,
      date: cfg.date,
      locale: cfg.locale,
      timeZone: cfg.offset,
      firstDay: 1,
      nowIndicator: true,
      height: narrow ? "32rem" : "calc(100vh - 15rem)",
      headerToolbar: narrow ? { start: "prev,next", center: "title", end: "today " + views }
                            : { start: "prev,next today", center: "title", end: views },
      buttonText: function (texts) {
        Object.keys(cfg.text).forEach(function (k) { if (texts[k] !== undefined) texts[k] = cfg.text[k]; });
        return texts;
      },
      resources: [],
      resourceLabelContent: label,
      slotMinTime: "06:00:00",
      slotMaxTime: "22:00:00",
      slotWidth: WIDTHS[cfg.view][zoom],
      views: {
        resourceTimelineDay: { slotDuration: "00:30", slotLabelInterval: "01:00" },
        resourceTimelineWeek: { slotDuration: "01:00", slotLabelInterval: "04:00", slotLabelFormat: { hour: "numeric" } }
      },
      editable: true,
      eventSources: [{ events: fetchBoard }],
      eventDrop: moved,
      eventResize: moved,
      // No refetch by the poll under the person's hand.
      eventDragStart: function () { busy++; },
      eventDragStop: function () { busy--; },
      eventResizeStart: function () { busy++; },
      eventResizeStop: function () { busy--; },
      // The bar shows what the job is; its times are in its tooltip and panel.
      eventContent: function (info) {
        if (info.event.display === "background") return "";
        return { domNodes: [el("span", "ec-event-title", info.event.title)] };
      },
      eventClick: function (info) {
        var p = info.event.extendedProps || {};
        if (!p.jobId) return;
        openPanel(p, info.event, false);
      },
      eventDidMount: function (info) {
        var e = info.event, p = e.extendedProps || {};
        if (e.display === "background") return;
        info.el.setAttribute("title", e.title + " · " + wallString(e.start).slice(11, 16) + "–" +
          wallString(e.end || e.start).slice(11, 16) + (p.state ? " · " + stateTitle(p) : "") +
          (p.jobId ? " · " + priorityTitle(p) : "") + ((p.flags || []).length ? " · ⚠ " + p.flags.join("; ") : ""));
        if (p.jobId) info.el.dataset.job = p.number;
      },
      datesSet: function (info) {
        if (info.view.type !== lastView) { lastView = info.view.type; applyZoom(); }
        var u = new URL(location.href);
        u.searchParams.set("view", info.view.type);
        u.searchParams.set("date", wallString(info.view.currentStart).slice(0, 10));
        history.replaceState(null, "", u);
      }
    });
    window.dispatchBoard = ec;
    var form = document.getElementById("board-filters");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", function (e) {
      if (e.target.name === "territory") loadPane();
      ec.refetchEvents();
    });
    document.getElementById("zoom-in").addEventListener("click", function () { zoom = Math.min(4, zoom + 1); applyZoom(); saveZoom(); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoom = Math.max(0, zoom - 1); applyZoom(); saveZoom(); });
    setupDrop();
    setupReason();
    setupPanel();
    setupAutoplan();
    loadPane();
    poll();
    setInterval(poll, 10000);
  }
  function saveZoom() { try { localStorage.setItem("portal.dispatch.zoom", String(zoom)); } catch (e) { /* private mode */ } }

  document.addEventListener("DOMContentLoaded", setup);
})();
