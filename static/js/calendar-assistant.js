/* The scheduling assistant of the event form: asks /calendar/assistant.json with the form's
   values as they are typed and shows who is busy (a day grid for a single event, the busy
   occurrences of a series), free rooms of the needed size and the nearest free times; a click
   (or Enter) on a time fills the form's start and end, on a room books it. */
(function () {
  "use strict";

  var FIELDS = ["timezone", "all_day", "start_date", "start_time", "end_date", "end_time", "freq",
                "interval", "monthly_by", "ends", "until", "count", "people", "departments", "rooms", "byday"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }


  function setup() {
    var box = document.getElementById("assistant");
    var form = document.getElementById("event-form");
    var configEl = document.getElementById("assistant-config");
    if (!box || !form || !configEl) return;
    var text = JSON.parse(configEl.textContent);
    var status = box.querySelector("#assistant-status");
    var grid = box.querySelector("#assistant-grid");
    var clashes = box.querySelector("#assistant-clashes");
    var times = box.querySelector("#assistant-times");
    var rooms = box.querySelector("#assistant-rooms");
    var size = box.querySelector("#assistant-size");
    var timer = null, controller = null, lastQuery = "";

    function query() {
      var params = new URLSearchParams();
      var data = new FormData(form);
      FIELDS.forEach(function (name) {
        data.getAll(name).forEach(function (v) { if (typeof v === "string") params.append(name, v); });
      });
      if (size.value.trim()) params.set("size", size.value.trim());
      // Guests need seats too: one per line of outside guests, one per client contact.
      var lines = (data.get("guests") || "").split("\n").filter(function (l) { return l.trim(); }).length;
      var guests = lines + data.getAll("guest_contacts").length;
      if (guests) params.set("guests", String(guests));
      if (box.dataset.event) params.set("event", box.dataset.event);
      return params.toString();
    }

    function schedule(now) {
      clearTimeout(timer);
      timer = setTimeout(function () { ask(false); }, now ? 0 : 350);
    }

    function ask(force) {
      var q = query();
      if (!force && q === lastQuery) return;
      lastQuery = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      box.classList.add("assistant-loading");
      box.setAttribute("aria-busy", "true");
      status.textContent = text.checking;
      fetch(box.dataset.url + "?" + q, {
        credentials: "same-origin", headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; },
                             function () { return { ok: false, body: {} }; });
      }).then(function (res) {
        if (!res.ok) { problem(res.body.message || text.failed); return; }
        render(res.body);
        box.dataset.shown = q;  // what the assistant shows the answer to (tests wait for it)
      }).catch(function (e) {
        if (e && e.name === "AbortError") return;
        problem(text.failed);
      }).finally(function () {
        box.classList.remove("assistant-loading");
        box.removeAttribute("aria-busy");
      });
    }

    function problem(message) {
      box.dataset.state = "problem";
      status.className = "small mb-2 text-danger";
      status.textContent = message;
      grid.innerHTML = ""; clashes.innerHTML = ""; times.innerHTML = ""; rooms.innerHTML = "";
    }

    function render(data) {
      box.dataset.state = data.allFree ? "free" : "busy";
      status.className = "small mb-2 " + (data.allFree ? "text-success" : "text-danger");
      var summary;
      if (data.allFree) {
        summary = data.series ? fill(text.allFreeSeries, { n: data.occurrences }) : text.allFree;
      } else {
        summary = fill(text.clashes, { n: data.clashes.length, total: data.occurrences });
        if (!data.series) summary = data.clashes[0].taken.join(", ");
      }
      status.textContent = summary + (data.truncated ? " " + fill(text.truncated, { n: data.occurrences }) : "");
      renderGrid(data);
      renderClashes(data);
      renderTimes(data);
      renderRooms(data);
    }

    function renderGrid(data) {
      grid.innerHTML = "";
      var span = data.grid.to - data.grid.from;
      var caption = el("caption", "small text-secondary caption-top",
                       data.series ? fill(text.firstDay, { day: data.day }) : data.day);
      var table = el("table", "table table-sm align-middle assistant-table mb-2");
      table.appendChild(caption);
      var head = el("tr");
      head.appendChild(el("th", "assistant-who", text.who)).setAttribute("scope", "col");
      head.appendChild(el("th", "assistant-state", text.when)).setAttribute("scope", "col");
      var scale = el("th", "assistant-timeline d-none d-sm-table-cell");
      scale.setAttribute("scope", "col");
      scale.setAttribute("aria-label", text.day);
      var hours = el("div", "assistant-hours");
      hours.setAttribute("aria-hidden", "true");
      for (var m = data.grid.from; m < data.grid.to; m += 60) {
        var h = el("span", "", String(Math.floor(m / 60)));
        h.style.left = ((m - data.grid.from) / span * 100) + "%";
        hours.appendChild(h);
      }
      scale.appendChild(hours);
      head.appendChild(scale);
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var body = el("tbody");
      data.rows.forEach(function (row) {
        var tr = el("tr", row.free ? "is-free" : "is-busy");
        tr.dataset.kind = row.kind;
        tr.dataset.id = row.id;
        var th = el("th", "assistant-who fw-normal");
        th.setAttribute("scope", "row");
        var icon = el("i", "bi me-1 " + (row.kind === "room" ? (row.equipment ? "bi-projector" : "bi-door-open") : "bi-person"));
        icon.setAttribute("role", "img");
        icon.setAttribute("aria-label", row.kind === "room" ? (row.equipment ? text.equipment : text.room) : text.person);
        th.appendChild(icon);
        th.appendChild(document.createTextNode(row.name));
        tr.appendChild(th);
        var state = el("td", "assistant-state");
        var badge = el("span", "badge " + (row.free ? "text-bg-success" : "text-bg-danger"), row.free ? text.free : text.busy);
        state.appendChild(badge);
        if (row.busy.length) {
          var list = el("ul", "list-unstyled small mb-0 assistant-busy-list");
          row.busy.forEach(function (b) {
            var li = el("li", "", b.text);
            if (b.recurring) {
              var r = el("span", "ms-1 recurring-mark", "↻");
              r.setAttribute("role", "img");
              r.setAttribute("aria-label", text.recurring);
              r.title = text.recurring;
              li.appendChild(r);
            }
            list.appendChild(li);
          });
          state.appendChild(list);
        }
        tr.appendChild(state);
        var line = el("td", "assistant-timeline d-none d-sm-table-cell");
        var track = el("div", "assistant-track");
        track.setAttribute("aria-hidden", "true");
        track.style.backgroundSize = (6000 / span) + "% 100%";
        var planned = el("div", "assistant-planned");
        planned.style.left = ((data.planned.from - data.grid.from) / span * 100) + "%";
        planned.style.width = (Math.max(data.planned.to - data.planned.from, 5) / span * 100) + "%";
        track.appendChild(planned);
        row.busy.forEach(function (b) {
          var from = Math.max(b.from, data.grid.from), to = Math.min(b.to, data.grid.to);
          if (to <= from) return;
          var block = el("div", "assistant-block");
          block.style.left = ((from - data.grid.from) / span * 100) + "%";
          block.style.width = ((to - from) / span * 100) + "%";
          block.title = b.text;
          track.appendChild(block);
        });
        line.appendChild(track);
        tr.appendChild(line);
        body.appendChild(tr);
      });
      table.appendChild(body);
      var wrap = el("div", "table-responsive");
      wrap.appendChild(table);
      grid.appendChild(wrap);
    }

    function renderClashes(data) {
      clashes.innerHTML = "";
      if (!data.series || !data.clashes.length) return;
      var list = el("ul", "list-group list-group-flush small mb-2 assistant-clashes");
      data.clashes.forEach(function (c) {
        var li = el("li", "list-group-item px-0");
        li.appendChild(el("span", "fw-semibold me-2", c.when));
        li.appendChild(el("span", "text-danger", c.taken.join(", ")));
        list.appendChild(li);
      });
      clashes.appendChild(list);
    }

    function renderTimes(data) {
      times.innerHTML = "";
      if (!data.suggestions.length) { times.appendChild(el("span", "small text-secondary", text.noTimes)); return; }
      data.suggestions.forEach(function (s) {
        var b = el("button", "btn btn-sm btn-outline-success assistant-time", s.text);
        b.type = "button";
        b.setAttribute("aria-label", fill(text.useTime, { time: s.text }));
        b.addEventListener("click", function () { useTime(s); });
        times.appendChild(b);
      });
    }

    function renderRooms(data) {
      rooms.innerHTML = "";
      if (!data.rooms.length) {
        rooms.appendChild(el("span", "small text-secondary", fill(text.noRooms, { n: data.needed })));
        return;
      }
      rooms.appendChild(el("span", "small text-secondary align-self-center", fill(text.roomsFor, { n: data.needed })));
      data.rooms.forEach(function (r) {
        var label = r.name + (r.capacity ? " · " + fill(text.seats, { n: r.capacity }) : "");
        var b = el("button", "btn btn-sm assistant-room " + (r.chosen ? "btn-primary" : "btn-outline-secondary"),
                   label + (r.chosen ? " ✓" : ""));
        b.type = "button";
        b.dataset.id = r.id;
        b.setAttribute("aria-pressed", r.chosen ? "true" : "false");
        b.setAttribute("aria-label", r.chosen ? label + " (" + text.chosen + ")" : fill(text.bookRoom, { room: label }));
        if (!r.chosen) b.addEventListener("click", function () { useRoom(r); });
        rooms.appendChild(b);
      });
    }

    function set(id, value) {
      var input = form.querySelector("#" + id);
      if (!input) return;
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function useTime(s) {
      set("start_date", s.start_date);
      set("start_time", s.start_time);
      set("end_date", s.end_date);
      set("end_time", s.end_time);
      status.textContent = fill(text.timeSet, { time: s.text });
      form.querySelector("#start_date").focus();
      ask(true);
    }

    function useRoom(r) {
      var box = form.querySelector("#room-" + r.id);
      if (!box) return;
      box.checked = true;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      status.textContent = fill(text.roomSet, { room: r.name });
      ask(true);
    }

    form.addEventListener("change", function (e) { if (e.target !== size) schedule(false); });
    form.addEventListener("input", function (e) {
      if (e.target.type === "date" || e.target.type === "time" || e.target.type === "number") schedule(false);
    });
    size.addEventListener("input", function () { schedule(false); });
    // Enter in the seats field asks again, it does not send the form.
    size.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); ask(true); } });
    box.querySelector("#assistant-refresh").addEventListener("click", function () { ask(true); });
    // People picked (chips come and go without a change event).
    ["people-chips", "guest-contact-chips"].forEach(function (id) {
      var chips = document.getElementById(id);
      if (chips && window.MutationObserver) new MutationObserver(function () { schedule(false); }).observe(chips, { childList: true });
    });
    ask(true);
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
