/* Interactions: the organization type-ahead and the contact list that follows it, the hints
   about the chosen client (its responsible manager, offered first in the pickers; the planned
   step a logged call fulfils), quick dates of next steps, a task step due by the end of its day,
   My day's one reschedule dialog, and htmx showing refused forms (400/409) in place. Everything also works without this file:
   the server resolves a typed organization name and re-renders forms with the hints. */
(function () {
  "use strict";
  if (window.portalInteractions) { return; }
  window.portalInteractions = true;
  document.documentElement.classList.add("ix-js");

  // htmx does not swap error responses by default; our forms answer 400/409 with the form
  // and its messages, which belong on the page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest("[data-ix], .ix-row")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Quick dates of a next step ("Tomorrow", "In 3 days"...).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-ix-date]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-ix-for"));
    if (input) {
      input.value = button.getAttribute("data-ix-date");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // A next step turned into a task is due by the end of its day unless a time is typed: the
  // default time of a call step is dropped.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[name^=steps-][name$=-kind]")) { return; }
    var time = document.getElementById(select.name.replace(/-kind$/, "-time"));
    if (time && select.value === "task" && time.value === "10:00") { time.value = ""; }
    else if (time && select.value !== "task" && !time.value) { time.value = "10:00"; }
  });

  // The client's manager first in every "who" picker of the form (from the hints' data).
  function offerManager(form) {
    var hint = form.querySelector("#client-manager");
    form.querySelectorAll("select[name=responsible], select[name$=-responsible]").forEach(function (select) {
      select.querySelectorAll("option[data-ix-manager]").forEach(function (o) { o.remove(); });
      if (!hint) { return; }
      var option = document.createElement("option");
      option.value = hint.getAttribute("data-manager-id");
      option.textContent = hint.getAttribute("data-manager-label");
      option.setAttribute("data-ix-manager", "");
      select.insertBefore(option, select.firstChild);
    });
  }

  function refreshHints(form) {
    var box = form.querySelector("#ix-client-hints");
    if (!box) { return; }
    var kind = form.querySelector("input[name=kind]:checked");
    var mode = form.querySelector("input[name=mode]:checked");
    var query = "?organization=" + encodeURIComponent((form.querySelector("input[name=organization]") || {}).value || "") +
      "&contact=" + encodeURIComponent((form.querySelector("select[name=contact]") || {}).value || "") +
      "&kind=" + encodeURIComponent(kind ? kind.value : "") + "&mode=" + encodeURIComponent(mode ? mode.value : "log");
    fetch(box.getAttribute("data-hints-url") + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        box.innerHTML = html;
        offerManager(form);
      });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.id === "interaction-form" && (event.target.name === "contact" || event.target.name === "kind")) {
      refreshHints(form);
    }
  });

  // A reschedule pop-up closes when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.ix-resched[open]").forEach(function (d) {
      if (!d.contains(event.target)) { d.removeAttribute("open"); }
    });
  });

  // My day's one reschedule dialog (interactions/_day.jinja2), filled from the row's button:
  // the move's URL, the planned date and time and the version it was read at. The answer
  // replaces the block, or the row alone (its own form with the problems) when refused.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-ix-resched]");
    var dialog = document.getElementById("ix-resched-dialog");
    if (!button || !dialog || typeof dialog.showModal !== "function") { return; }
    event.preventDefault();
    var form = dialog.querySelector("form");
    var row = button.closest(".ix-row");
    var subject = row && row.querySelector(".ix-subject a");
    form.setAttribute("action", button.getAttribute("data-ix-resched"));
    form.setAttribute("hx-target", row ? "#" + row.id : "#ix-day");
    form.elements.version.value = button.getAttribute("data-version");
    form.elements.date.value = button.getAttribute("data-date");
    form.elements.time.value = button.getAttribute("data-time");
    document.getElementById("ix-resched-subject").textContent = subject ? subject.textContent : "";
    dialog.showModal();
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "ix-resched-form") {
      event.detail.path = event.detail.elt.getAttribute("action");
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "ix-resched-form") { event.detail.elt.closest("dialog").close(); }
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-ix-close]");
    if (close) { close.closest("dialog").close(); }
  });

  function setupOrganization(input) {
    var form = input.form;
    var hidden = form.querySelector("input[name=organization]");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var contact = form.querySelector("select[name=contact]");
    var url = form.getAttribute("data-organizations-url");
    var contactsUrl = form.getAttribute("data-contacts-url");
    var timer = null, items = [], active = -1, chosen = input.value;

    function close() { list.classList.remove("show"); input.setAttribute("aria-expanded", "false"); active = -1; }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (el, j) { el.classList.toggle("active", j === i); });
    }
    function loadContacts(id) {
      if (!contact) { return; }
      fetch(contactsUrl + "?organization=" + encodeURIComponent(id || ""), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { contact.innerHTML = html; refreshHints(form); });
    }
    function choose(i) {
      var org = items[i];
      if (!org) { return; }
      hidden.value = org.id;
      input.value = chosen = org.name;
      input.classList.remove("is-invalid");
      close();
      loadContacts(org.id);
    }
    function render() {
      list.innerHTML = "";
      items.forEach(function (org, i) {
        var a = document.createElement("button");
        a.type = "button";
        a.className = "dropdown-item";
        a.setAttribute("role", "option");
        a.textContent = org.name;
        if (org.detail) {
          var s = document.createElement("small");
          s.textContent = org.detail;
          a.appendChild(s);
        }
        a.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(a);
      });
      list.classList.toggle("show", items.length > 0);
      input.setAttribute("aria-expanded", items.length > 0 ? "true" : "false");
      active = -1;
    }
    input.addEventListener("input", function () {
      if (input.value !== chosen) {
        hidden.value = "";
        if (chosen) { loadContacts(""); }
        chosen = "";
      }
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { items = []; render(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (data) { if (input.value.trim() === q) { items = data; render(); } });
      }, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (!list.classList.contains("show")) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init(root) {
    (root || document).querySelectorAll("input[data-ix-org]").forEach(function (input) {
      if (!input.dataset.ixReady) { input.dataset.ixReady = "1"; setupOrganization(input); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else { init(); }
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
