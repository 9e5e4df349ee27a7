/* The calendar area: the @event-calendar widget (month, week, day, agenda, team), drag and drop
   checked by the server, the event form (all-day, repeat, people picker), the feed address. */
(function () {
  "use strict";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The widget hands out dates whose local fields (getHours...) are the wall time in the user's
  // zone (its `timeZone` option is the user's offset); the server wants that wall time, no zone.
  function wallString(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":00";
  }

  function toast(message, kind) {
    var box = document.getElementById("calendar-toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (kind || "dark");
    el.setAttribute("role", "alert");
    el.setAttribute("aria-live", "assertive");
    el.innerHTML = '<div class="d-flex"><div class="toast-body"></div>' +
      '<button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
    el.querySelector(".toast-body").textContent = message;
    box.appendChild(el);
    if (window.bootstrap) { new bootstrap.Toast(el, { delay: kind === "danger" ? 8000 : 4000 }).show(); }
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
  }

  // --- the calendar and the team view -------------------------------------------------------------

  function setupCalendar() {
    var configEl = document.getElementById("calendar-config");
    var el = document.getElementById("calendar") || document.getElementById("team-calendar");
    if (!configEl || !el || !window.EventCalendar) return;
    var cfg = JSON.parse(configEl.textContent);
    if (!cfg.eventsUrl) return;
    var team = cfg.mode === "team";
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    var checks = Array.prototype.slice.call(document.querySelectorAll(".source-check input"));
    var storeKey = "portal.calendar.sources";
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (saved && !team) checks.forEach(function (c) { c.checked = saved.indexOf(c.value) >= 0; });
    } catch (e) { /* private mode */ }
    var params = new URLSearchParams(location.search);
    if (params.get("src")) {
      var wanted = params.get("src").split(",");
      checks.forEach(function (c) { c.checked = wanted.indexOf(c.value) >= 0; });
    }

    function sources() {
      return checks.filter(function (c) { return c.checked; }).map(function (c) { return c.value; }).join(",");
    }

    function fetchEvents(info, success, failure) {
      var url = new URL(cfg.eventsUrl, location.href);
      url.searchParams.set("start", wallString(info.start));
      url.searchParams.set("end", wallString(info.end));
      if (!team) url.searchParams.set("src", sources() || "none");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          if (team) {
            ec.setOption("resources", data.resources);
            teamList(data, cfg);
            success(data.events);
          } else {
            success(data);
          }
        })
        .catch(function (e) { failure(e); toast(cfg.text.failed, "danger"); });
    }

    function move(info) {
      var p = info.event.extendedProps;
      var body = new URLSearchParams();
      body.set("start", wallString(info.event.start));
      body.set("end", wallString(info.event.end || info.event.start));
      body.set("allDay", info.event.allDay ? "1" : "");
      body.set("at", p.at || "");
      el.classList.add("ec-saving");
      fetch(p.moveUrl, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" }
      }).then(function (r) { return r.json().catch(function () { return { ok: false, message: cfg.text.failed }; }); })
        .then(function (res) {
          if (!res.ok) {
            info.revert();
            toast(res.message || cfg.text.failed, "danger");
            return;
          }
          toast(res.warning || cfg.text.moved, res.warning ? "warning" : "success");
          if (p.recurring) ec.refetchEvents();
        })
        .catch(function () { info.revert(); toast(cfg.text.failed, "danger"); })
        .finally(function () { el.classList.remove("ec-saving"); });
    }

    var views = team ? "resourceTimelineDay,resourceTimelineWeek" : "dayGridMonth,timeGridWeek,timeGridDay,listWeek";
    var view = cfg.view;
    if (narrow && !team && !params.get("view")) view = "listWeek";
    var options = {
      view: view,
      date: cfg.date,
      locale: cfg.locale,
      timeZone: cfg.offset,
      firstDay: 1,
      nowIndicator: true,
      scrollTime: "08:00:00",
      slotMinTime: team ? "07:00:00" : "00:00:00",
      slotMaxTime: team ? "21:00:00" : "24:00:00",
      height: team ? "auto" : (narrow ? "36rem" : "calc(100vh - 12rem)"),
      headerToolbar: narrow
        ? { start: "prev,next", center: "title", end: "today " + views }
        : { start: "prev,next today", center: "title", end: views },
      buttonText: function (texts) {
        texts.today = cfg.text.today;
        Object.keys(cfg.text).forEach(function (k) { if (texts[k] !== undefined) texts[k] = cfg.text[k]; });
        return texts;
      },
      allDayContent: cfg.text.allDay,
      noEventsContent: cfg.text.noEvents,
      dayMaxEvents: true,
      views: {
        dayGridMonth: { dayHeaderFormat: { weekday: narrow ? "narrow" : "short" } },
        timeGridWeek: { dayHeaderFormat: narrow ? { weekday: "narrow", day: "numeric" }
                                                : { weekday: "short", day: "numeric", month: "numeric" } }
      },
      editable: true,
      selectable: !!cfg.addUrl,
      eventSources: [{ events: fetchEvents }],
      eventClick: function (info) {
        var url = info.event.extendedProps.url;
        if (url) location.href = url;
      },
      eventDidMount: function (info) {
        var e = info.event, p = e.extendedProps || {};
        var when = e.allDay ? "" : " · " + wallString(e.start).slice(11, 16) + "–" + wallString(e.end || e.start).slice(11, 16);
        var repeats = p.recurring && cfg.text.recurring ? " · " + cfg.text.recurring : "";
        info.el.setAttribute("title", e.title + when + (p.location ? " · " + p.location : "") + repeats);
        if (p.recurring) markRecurring(info.el.querySelector(".ec-event-title") || info.el, cfg.text.recurring);
      },
      eventDrop: move,
      eventResize: move,
      datesSet: function (info) {
        var u = new URL(location.href);
        u.searchParams.set("view", info.view.type);
        u.searchParams.set("date", wallString(info.view.currentStart).slice(0, 10));
        history.replaceState(null, "", u);
      }
    };
    if (team) {
      options.resources = [];
      options.resourceLabelContent = function (arg) {
        var pos = (arg.resource.extendedProps || {}).position || "";
        return { html: '<span class="team-person"><span></span><small></small></span>'.replace(
          "<span></span>", "<span>" + escapeHtml(arg.resource.title) + "</span>").replace(
          "<small></small>", "<small>" + escapeHtml(pos) + "</small>") };
      };
      options.views = {
        // The day leaves room for titles: the whole width for the working day.
        // The whole width for the working hours (12 h): the day leaves room for titles.
        resourceTimelineDay: { slotDuration: "00:30", slotWidth: narrow ? 40 : Math.max(44, Math.floor((el.clientWidth - 270) / 24)) },
        resourceTimelineWeek: { slotDuration: "02:00", slotLabelInterval: "04:00",
                                slotWidth: narrow ? 14 : Math.max(20, Math.floor((el.clientWidth - 270) / 42)),
                                slotLabelFormat: { hour: "numeric" } }
      };
      // Titles only (the time is the block's place, and in its tooltip and the list), ↻ first.
      options.eventContent = function (info) {
        var p = info.event.extendedProps || {};
        var mark = p.recurring ? '<span class="recurring-mark me-1" role="img" aria-label="' + escapeHtml(cfg.text.recurring) +
          '" title="' + escapeHtml(cfg.text.recurring) + '">↻</span>' : "";
        return { html: '<span class="ec-event-title">' + mark + escapeHtml(info.event.title) + "</span>" };
      };
      // In the week the blocks are narrow: the list names every event, so it opens by itself.
      var listBox = document.getElementById("team-list-box");
      var userOpened = false, auto = false;
      if (listBox) listBox.addEventListener("toggle", function () { if (auto) auto = false; else userOpened = true; });
      options.viewDidMount = function (info) {
        var want = (info.view || info).type === "resourceTimelineWeek";
        if (listBox && !userOpened && listBox.open !== want) { auto = true; listBox.open = want; }
      };
      options.slotMinTime = "08:00:00";
      options.slotMaxTime = "20:00:00";
      options.editable = false;
    }
    if (cfg.addUrl) {
      options.dateClick = function (info) {
        if (info.view.type === "dayGridMonth" || info.allDay) {
          go(wallString(info.date).slice(0, 10) + "T00:00:00", "", true);
        } else {
          go(wallString(info.date), "", false);
        }
      };
      options.select = function (info) {
        go(wallString(info.start), wallString(info.end), info.allDay);
      };
    }
    function go(start, end, allDay) {
      var u = new URL(cfg.addUrl, location.href);
      u.searchParams.set("start", start);
      if (end) u.searchParams.set("end", end);
      if (allDay) u.searchParams.set("allDay", "1");
      location.href = u;
    }
    var ec = EventCalendar.create(el, options);
    el.classList.add("portal-calendar");
    window.portalCalendar = ec;
    if (team) setupTeamForm(cfg, ec);

    checks.forEach(function (c) {
      c.addEventListener("change", function () {
        try { localStorage.setItem(storeKey, JSON.stringify(sources().split(","))); } catch (e) { /* ignore */ }
        ec.refetchEvents();
      });
    });
  }

  // A repeating event: "↻" before its title, named for screen readers ("Repeats").
  function markRecurring(target, label) {
    if (!target || target.querySelector(".recurring-mark")) return;
    var mark = document.createElement("span");
    mark.className = "recurring-mark me-1";
    mark.textContent = "↻";
    mark.setAttribute("role", "img");
    if (label) { mark.setAttribute("aria-label", label); mark.setAttribute("title", label); }
    target.insertBefore(mark, target.firstChild);
  }

  // --- the team view: people from anywhere, and the same events as a list -------------------------

  function teamList(data, cfg) {
    var box = document.getElementById("team-list");
    var empty = document.getElementById("team-empty");
    if (empty) empty.classList.toggle("d-none", data.resources.length > 0);
    if (!box) return;
    box.innerHTML = "";
    var byPerson = {};
    data.events.forEach(function (e) {
      (e.resourceIds || []).forEach(function (id) { (byPerson[id] = byPerson[id] || []).push(e); });
    });
    var dayFormat = new Intl.DateTimeFormat(cfg.locale, { weekday: "short", day: "numeric", month: "short" });
    data.resources.forEach(function (person) {
      var h = document.createElement("h3");
      h.textContent = person.title;
      box.appendChild(h);
      var events = (byPerson[person.id] || []).slice().sort(function (a, b) { return a.start < b.start ? -1 : 1; });
      if (!events.length) {
        var none = document.createElement("p");
        none.className = "small text-secondary mb-1";
        none.textContent = cfg.text.free || cfg.text.noEvents;
        box.appendChild(none);
        return;
      }
      var list = document.createElement("ul");
      list.className = "small list-unstyled";
      events.forEach(function (e) {
        var li = document.createElement("li");
        var day = dayFormat.format(new Date(e.start.slice(0, 10) + "T12:00:00"));
        var when = e.allDay ? cfg.text.allDay : e.start.slice(11, 16) + "–" + (e.end || e.start).slice(11, 16);
        var time = document.createElement("span");
        time.className = "text-secondary me-2";
        time.textContent = day + ", " + when;
        li.appendChild(time);
        var title = document.createElement((e.extendedProps || {}).url ? "a" : "span");
        if (title.tagName === "A") title.href = e.extendedProps.url;
        title.textContent = e.title;
        li.appendChild(title);
        if ((e.extendedProps || {}).recurring) {
          li.appendChild(document.createTextNode(" "));
          markRecurring(li, cfg.text.recurring);
          li.appendChild(li.firstChild);  // the mark after the title
        }
        list.appendChild(li);
      });
      box.appendChild(list);
    });
  }

  /* The team form: a department and people picked from anywhere; each change asks again
     without leaving the page (the address keeps the choice). */
  function setupTeamForm(cfg, ec) {
    var form = document.getElementById("team-form");
    if (!form) return;
    setupPicker(form);
    var chips = form.querySelector("#people-chips");
    function label(chip) {
      var close = chip.querySelector(".btn-close");
      var name = chip.querySelector(".chip-name");
      if (close && name && cfg.text.remove) close.setAttribute("aria-label", cfg.text.remove.replace("{name}", name.textContent));
    }
    function changed() {
      var params = new URLSearchParams(new FormData(form));
      params.set("dept", params.get("dept") || "");
      cfg.eventsUrl = cfg.eventsUrl.split("?")[0] + "?" + params.toString();
      var u = new URL(location.href);
      u.searchParams.delete("people");
      u.searchParams.set("dept", params.get("dept"));
      params.getAll("people").forEach(function (id) { u.searchParams.append("people", id); });
      history.replaceState(null, "", u);
      ec.refetchEvents();
    }
    form.querySelector("#team-dept").addEventListener("change", changed);
    form.addEventListener("submit", function (e) { e.preventDefault(); changed(); });
    if (window.MutationObserver) {
      new MutationObserver(function (records) {
        records.forEach(function (r) { Array.prototype.forEach.call(r.addedNodes, function (n) { if (n.nodeType === 1) label(n); }); });
        changed();
      }).observe(chips, { childList: true });
    }
  }

  function escapeHtml(text) {
    return String(text || "").replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // --- the event form -----------------------------------------------------------------------------------

  function setupForm() {
    var form = document.getElementById("event-form");
    if (!form) return;
    var allDay = form.querySelector("#all_day");
    var freq = form.querySelector("#freq");
    var startDate = form.querySelector("#start_date");
    var endDate = form.querySelector("#end_date");
    var startTime = form.querySelector("#start_time");
    var endTime = form.querySelector("#end_time");

    var monthlyBy = form.querySelector("#monthly_by");

    // "On day 10 / on the second Tuesday / on the last Tuesday" follow the start date.
    function refreshMonthly() {
      if (!monthlyBy || !startDate.value) return;
      var labels = JSON.parse(monthlyBy.getAttribute("data-labels"));
      var date = new Date(startDate.value + "T12:00:00Z");
      if (isNaN(date)) return;
      var day = date.getUTCDate();
      var weekday = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][date.getUTCDay()];
      var lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
      var choices = [["day", labels.day.replace("{n}", day)],
                     ["weekday", labels[String(Math.floor((day - 1) / 7) + 1) + weekday]]];
      if (day + 7 > lastDay) choices.push(["last", labels["-1" + weekday]]);
      var chosen = monthlyBy.value;
      monthlyBy.innerHTML = "";
      choices.forEach(function (c) {
        var option = document.createElement("option");
        option.value = c[0];
        option.textContent = c[1];
        monthlyBy.appendChild(option);
      });
      var still = choices.some(function (c) { return c[0] === chosen; });
      monthlyBy.value = still ? chosen : (chosen === "last" ? "weekday" : "day");
    }

    function refresh() {
      form.classList.toggle("all-day", allDay.checked);
      form.classList.toggle("repeats", !!freq.value);
      form.classList.toggle("weekly", freq.value === "WEEKLY");
      form.classList.toggle("monthly", freq.value === "MONTHLY");
    }
    allDay.addEventListener("change", refresh);
    freq.addEventListener("change", function () {
      if (freq.value === "WEEKLY" && !form.querySelector("input[name=byday]:checked") && startDate.value) {
        var day = (new Date(startDate.value + "T12:00:00Z").getUTCDay() + 6) % 7;
        var boxes = form.querySelectorAll("input[name=byday]");
        if (boxes[day]) boxes[day].checked = true;
      }
      refresh();
    });
    refresh();

    // Moving the start keeps the length of the event.
    var lastStart = startDate.value, lastStartTime = startTime.value;
    startDate.addEventListener("change", function () {
      if (lastStart && endDate.value && startDate.value) {
        var shift = (Date.parse(startDate.value) - Date.parse(lastStart));
        endDate.value = new Date(Date.parse(endDate.value) + shift).toISOString().slice(0, 10);
      }
      lastStart = startDate.value;
      refreshMonthly();
    });
    startTime.addEventListener("change", function () {
      if (lastStartTime && endTime.value && startTime.value && startDate.value === endDate.value) {
        var toMin = function (t) { var p = t.split(":"); return parseInt(p[0], 10) * 60 + parseInt(p[1], 10); };
        var end = toMin(endTime.value) + toMin(startTime.value) - toMin(lastStartTime);
        if (end > 0 && end < 24 * 60) endTime.value = pad(Math.floor(end / 60)) + ":" + pad(end % 60);
      }
      lastStartTime = startTime.value;
    });

    setupPicker(form);
    setupContactPicker(form);
  }

  /* Client contacts as guests: the datalist offers contacts the person may see (value = id);
     choosing one turns it into a chip with a hidden guest_contacts input. */
  function setupContactPicker(form) {
    var input = form.querySelector("#guest-contact-search");
    var list = form.querySelector("#guest-contact-options");
    var chips = form.querySelector("#guest-contact-chips");
    if (!input) return;
    chips.addEventListener("click", function (e) {
      if (e.target.classList.contains("btn-close")) e.target.closest(".chip").remove();
    });
    function pick() {
      var value = input.value.trim();
      var option = Array.prototype.find.call(list.options, function (o) { return o.value === value; });
      if (!option) return;
      input.value = "";
      if (chips.querySelector('input[name=guest_contacts][value="' + value + '"]')) return;
      var chip = document.createElement("span");
      chip.className = "chip";
      chip.dataset.id = value;
      chip.innerHTML = '<i class="bi bi-person-vcard me-1"></i><span class="chip-name"></span>' +
        '<input type="hidden" name="guest_contacts"><button type="button" class="btn-close btn-close-sm" aria-label="×"></button>';
      chip.querySelector(".chip-name").textContent = option.textContent;
      chip.querySelector("input").value = value;
      chips.appendChild(chip);
    }
    input.addEventListener("change", pick);
    input.addEventListener("input", function () { if (/^\d+$/.test(input.value.trim())) pick(); });
    // Enter in the search box picks, it does not send the form.
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); pick(); } });
  }

  function setupPicker(form) {
    var input = form.querySelector("#people-search");
    var results = form.querySelector("#people-results");
    var chips = form.querySelector("#people-chips");
    if (!input) return;
    var url = form.getAttribute("data-people-url");
    var timer = null, active = -1, items = [];

    function chosen() {
      return Array.prototype.map.call(chips.querySelectorAll("input[name=people]"), function (i) { return i.value; });
    }
    function close() { results.classList.add("d-none"); results.innerHTML = ""; active = -1; items = []; }
    function add(person) {
      if (chosen().indexOf(String(person.id)) >= 0) return;
      var chip = document.createElement("span");
      chip.className = "chip";
      chip.dataset.id = person.id;
      chip.innerHTML = '<span class="avatar avatar-xs"></span><span class="chip-name"></span>' +
        '<input type="hidden" name="people"><button type="button" class="btn-close btn-close-sm" aria-label="×"></button>';
      chip.querySelector(".avatar").textContent = person.initials;
      chip.querySelector(".chip-name").textContent = person.name;
      chip.querySelector("input").value = person.id;
      chips.appendChild(chip);
      input.value = "";
      close();
      input.focus();
    }
    chips.addEventListener("click", function (e) {
      if (e.target.classList.contains("btn-close")) e.target.closest(".chip").remove();
    });
    function render() {
      results.innerHTML = "";
      items.forEach(function (p, i) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "list-group-item list-group-item-action d-flex align-items-center gap-2" + (i === active ? " active" : "");
        b.setAttribute("role", "option");
        b.innerHTML = '<span class="avatar avatar-sm"></span><span class="small"><span class="d-block fw-medium"></span><span class="text-secondary"></span></span>';
        b.querySelector(".avatar").textContent = p.initials;
        b.querySelector(".fw-medium").textContent = p.name;
        b.querySelector(".text-secondary").textContent = p.detail || "";
        b.addEventListener("mousedown", function (e) { e.preventDefault(); add(p); });
        results.appendChild(b);
      });
      results.classList.toggle("d-none", items.length === 0);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            var have = chosen();
            items = data.filter(function (p) { return have.indexOf(String(p.id)) < 0; });
            active = items.length ? 0 : -1;
            render();
          });
      }, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter") { e.preventDefault(); if (active >= 0 && items[active]) add(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function setupCopy() {
    var button = document.getElementById("copy-feed");
    if (!button) return;
    button.addEventListener("click", function () {
      var field = document.getElementById("feed-url");
      field.select();
      var done = function () { button.innerHTML = '<i class="bi bi-check2 me-1"></i>' + escapeHtml(button.dataset.copied); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupCalendar();
    setupForm();
    setupCopy();
  });
})();
