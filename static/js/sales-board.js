/* The deal board (views/templates/sales/deals/board.jinja2): drag a card to another stage, or
   choose one in its "Move to…" menu (the keyboard's way, and the phone's). Either is one POST
   to /sales/deals/{id}/@@move with the version the board showed; the server moves the deal
   only if nobody changed it meanwhile. Dropping on "Lost" asks the reason in a dialog first.
   A refused move puts the card back and says why. No library: HTML5 drag and drop, as the
   task board (static/js/tasks-kanban.js) does. */
(function () {
  "use strict";
  var board = document.getElementById("deal-board");
  if (!board) { return; }
  var messageBox = document.getElementById("deal-board-message");
  var dialog = document.getElementById("lost-dialog");
  var failed = board.getAttribute("data-text-failed");
  var lang = document.documentElement.lang || "en";
  var format = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
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
  function columnOf(stage) { return board.querySelector('.kanban-column[data-stage="' + stage + '"]'); }

  /* A column's count and sums after `amount` came in (or went out, negative). */
  function shift(column, count, amount) {
    var badge = column.querySelector(".kanban-count");
    badge.textContent = String(Math.max(0, parseInt(badge.textContent, 10) + count));
    var total = parseFloat(column.getAttribute("data-amount") || "0") + amount;
    column.setAttribute("data-amount", String(total));
    var sum = column.querySelector(".stage-amount");
    if (sum) { sum.textContent = format.format(total); }
    var weighted = column.querySelector(".stage-weighted");
    if (weighted) {
      weighted.textContent = format.format(total * parseInt(column.getAttribute("data-probability"), 10) / 100);
    }
    var empty = column.querySelector(".kanban-empty");
    if (empty) { empty.hidden = column.querySelectorAll(".kanban-card").length > 0; }
  }

  /* Move `card` to `stage` (a stage id, "won" or "lost" with `extra` fields): at once on the
     screen, back again if the server refuses. */
  function move(card, stage, extra) {
    var from = card.parentNode;
    var next = card.nextSibling;
    var fromColumn = columnOf(card.getAttribute("data-stage"));
    var toColumn = columnOf(stage);
    if (!from || !toColumn || card.getAttribute("data-stage") === stage) { return; }
    var amount = parseFloat(card.getAttribute("data-amount") || "0");
    toColumn.querySelector(".kanban-cards").prepend(card);
    card.classList.add("is-saving");
    var body = new URLSearchParams();
    body.set("to", stage);
    body.set("version", card.getAttribute("data-version"));
    Object.keys(extra || {}).forEach(function (k) { body.set(k, extra[k]); });
    var url = card.querySelector(".kanban-move form").getAttribute("action");
    function back(text) {
      from.insertBefore(card, next);
      say(text || failed, "danger");
      card.focus();
    }
    fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" }
    }).then(function (r) { return r.json().catch(function () { return { ok: false }; }); })
      .then(function (res) {
        if (!res.ok) { back(res.message); return; }
        shift(fromColumn, -1, -amount);
        shift(toColumn, 1, amount);
        card.setAttribute("data-version", String(res.version));
        card.setAttribute("data-stage", stage);
        card.querySelectorAll('input[name="version"]').forEach(function (i) { i.value = String(res.version); });
        if (stage === "won" || stage === "lost") {
          card.draggable = false;
          var menu = card.querySelector(".kanban-move");
          if (menu) { menu.remove(); }
        }
        say(res.message, "success");
      })
      .catch(function () { back(failed); })
      .finally(function () { card.classList.remove("is-saving"); });
  }

  /* Lost needs a reason: the dialog asks it, then the move is made. */
  function askWhyLost(card) {
    if (!dialog || typeof dialog.showModal !== "function") {
      var details = card.querySelector(".kanban-move");
      if (details) { details.open = true; card.querySelector(".kanban-lost-form select").focus(); }
      return;
    }
    var form = dialog.querySelector("form");
    form.reset();
    dialog.onclose = function () {
      if (dialog.returnValue !== "lost") { card.focus(); return; }
      move(card, "lost", { reason: form.reason.value, note: form.note.value });
    };
    dialog.showModal();
  }

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".kanban-card");
    if (!card || !card.draggable) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
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
    var stage = column.getAttribute("data-stage");
    if (stage === "lost") { askWhyLost(card); } else { move(card, stage); }
  });
  /* The "Move to…" menu and its "Lost" form: the same move, without a page load. */
  board.addEventListener("submit", function (e) {
    var card = e.target.closest(".kanban-card");
    if (!card) { return; }
    if (e.target.classList.contains("kanban-lost-form")) {
      e.preventDefault();
      move(card, "lost", { reason: e.target.reason.value });
      return;
    }
    var to = e.submitter && e.submitter.value;
    if (!to) { return; }
    e.preventDefault();
    move(card, to);
  });
  board.querySelectorAll(".kanban-card").forEach(function (card) { card.tabIndex = -1; });
})();
