/* The board of one's tasks by state (views/templates/tasks/board.jinja2): drag a card to
   another column, or choose a column in its "Move to…" menu (the keyboard's way, and the
   phone's). Either is one POST to /tasks/{id}/move; the server takes the workflow step that
   leads there, with its permissions. A refused move puts the card back where it was and says
   why. No library: HTML5 drag and drop. */
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board) { return; }
  var messageBox = document.getElementById("kanban-message");
  var failed = board.getAttribute("data-text-failed");
  var dragged = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]; } catch (e) { return ""; }
  }
  function say(text, kind) {
    messageBox.textContent = "";
    if (!text) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (kind || "success") + " py-2 mb-3";
    alert.textContent = text;
    messageBox.appendChild(alert);
  }
  function recount() {
    board.querySelectorAll(".kanban-column").forEach(function (col) {
      var n = col.querySelectorAll(".kanban-card").length;
      var badge = col.querySelector(".kanban-count");
      if (badge) { badge.textContent = String(n); }
      var empty = col.querySelector(".kanban-empty");
      if (empty) { empty.hidden = n > 0; }
    });
  }
  function listOf(state) { return board.querySelector('.kanban-cards[data-state="' + state + '"]'); }

  function rebuildMenu(card, targets) {
    var details = card.querySelector(".kanban-move");
    var form = details && details.querySelector("form");
    if (!form) { return; }
    form.querySelectorAll('button[name="to"]').forEach(function (b) { b.remove(); });
    targets.forEach(function (t) {
      var b = document.createElement("button");
      b.className = "btn btn-sm btn-outline-primary";
      b.name = "to";
      b.value = t.state;
      b.textContent = t.title;
      form.appendChild(b);
    });
    details.hidden = targets.length === 0;
    details.open = false;
  }

  /* Move `card` to column `state`: at once on the screen, back again if the server refuses. */
  function move(card, state) {
    var from = card.parentNode;
    var next = card.nextSibling;
    if (!from || card.getAttribute("data-state") === state) { return; }
    listOf(state).prepend(card);
    card.classList.add("is-saving");
    recount();
    var body = new URLSearchParams();
    body.set("to", state);
    var url = card.querySelector(".kanban-move form").getAttribute("action");
    function back(text) {
      from.insertBefore(card, next);
      recount();
      say(text || failed, "danger");
      card.focus();
    }
    fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" }
    }).then(function (r) { return r.json().catch(function () { return { ok: false }; }); })
      .then(function (res) {
        if (!res.ok) { back(res.message); return; }
        card.setAttribute("data-state", res.state);
        rebuildMenu(card, res.targets || []);
        say(res.message, "success");
      })
      .catch(function () { back(failed); })
      .finally(function () { card.classList.remove("is-saving"); });
  }

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".kanban-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-task"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    board.querySelectorAll(".is-over").forEach(function (el) { el.classList.remove("is-over"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (e) {
    var column = e.target.closest && e.target.closest(".kanban-column");
    if (!dragged || !column) { return; }
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".is-over").forEach(function (el) { if (el !== column) el.classList.remove("is-over"); });
    column.classList.add("is-over");
  });
  board.addEventListener("drop", function (e) {
    var column = e.target.closest && e.target.closest(".kanban-column");
    if (!dragged || !column) { return; }
    e.preventDefault();
    column.classList.remove("is-over");
    var card = dragged;
    dragged = null;
    move(card, column.getAttribute("data-state"));
  });
  /* The "Move to…" menu: the same move, without a page load. */
  board.addEventListener("submit", function (e) {
    var card = e.target.closest(".kanban-card");
    var to = e.submitter && e.submitter.value;
    if (!card || !to) { return; }
    e.preventDefault();
    move(card, to);
  });
  board.querySelectorAll(".kanban-card").forEach(function (card) { card.tabIndex = -1; });
})();
