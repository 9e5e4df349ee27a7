/* Behaviours every page may use, declared in the templates by data- attributes, so that no page
   needs inline script or on*= handlers (the Content-Security-Policy allows neither; views/headers.py):

   - data-confirm="Question?" on a form: asks before submitting; on a button or link: asks
     before the click does anything.
   - data-autosubmit on a select or check box: submits its form when it changes ("request":
     through requestSubmit, so that the form's submit handlers run; otherwise form.submit()).
   - data-navigate on a select: goes to the address chosen.
   - data-select-on-click on an input: selects its text when clicked.
   - data-copy="#id" on a button: copies that input's value; the button's <span> then shows
     data-done.
   - data-open-on-hash="#history" on a collapsible: opened when the address ends with that hash.

   And one repair: the event calendar (calendar, team view, dispatch board) marks its grid up as
   an ARIA table whose rows hold the toolbar and the events' buttons, which a table may not (axe:
   aria-required-children and aria-allowed-attr, critical). Its grid roles and cell indexes are
   taken off whenever it draws, so that screen readers meet the toolbar, the day headings and the
   events (buttons with their titles) as they are. */
(function () {
  "use strict";
  if (window.portalBehaviours) { return; }
  window.portalBehaviours = true;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]:not(form)") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var select = event.target.closest ? event.target.closest("[data-select-on-click]") : null;
    if (select && select.select) { select.select(); }
    var copy = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (copy) {
      var input = document.querySelector(copy.getAttribute("data-copy"));
      if (input && navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(function () {
          var label = copy.querySelector("span");
          if (label && copy.getAttribute("data-done")) { label.textContent = copy.getAttribute("data-done"); }
        });
      }
    }
  }, true);

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.getAttribute) { return; }
    if (el.hasAttribute("data-navigate") && el.value) {
      window.location.href = el.value;
      return;
    }
    if (el.hasAttribute("data-autosubmit") && el.form) {
      if (el.getAttribute("data-autosubmit") === "request" && el.form.requestSubmit) {
        el.form.requestSubmit();
      } else {
        el.form.submit();
      }
    }
  });

  var CALENDAR_GRID = '.ec[role="table"], .ec [role="rowgroup"], .ec [role="row"], .ec [role="columnheader"], ' +
    '.ec [role="rowheader"], .ec [role="cell"], .ec [aria-colindex], .ec [aria-rowindex]';
  var GRID_ROLES = ["table", "rowgroup", "row", "columnheader", "rowheader", "cell"];
  function dropCalendarGridRoles() {
    document.querySelectorAll(CALENDAR_GRID).forEach(function (el) {
      if (GRID_ROLES.indexOf(el.getAttribute("role")) >= 0) { el.removeAttribute("role"); }
      el.removeAttribute("aria-colindex");
      el.removeAttribute("aria-rowindex");
    });
  }
  if (window.MutationObserver) {
    new MutationObserver(function () {
      if (document.querySelector(CALENDAR_GRID)) { dropCalendarGridRoles(); }
    }).observe(document.documentElement, { childList: true, subtree: true });
  }

  function openOnHash() {
    document.querySelectorAll("[data-open-on-hash]").forEach(function (el) {
      if (window.location.hash && window.location.hash === el.getAttribute("data-open-on-hash")) {
        el.classList.add("show");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnHash);
  } else {
    openOnHash();
  }
})();
