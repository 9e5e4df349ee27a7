/* Repeated rows of the organization and contact forms (phones, e-mails...): a button with
   data-add-row="name" adds a copy of <template data-template="name"> to [data-rows="name"];
   a button with data-remove-row removes its .repeat-row. */
(function () {
  "use strict";
  if (window.portalFormRows) { return; }
  window.portalFormRows = true;
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var name = add.getAttribute("data-add-row");
      var scope = add.parentElement;
      var template = scope.querySelector('template[data-template="' + name + '"]');
      var rows = scope.querySelector('[data-rows="' + name + '"]');
      rows.appendChild(template.content.cloneNode(true));
      var inputs = rows.lastElementChild.querySelectorAll("input");
      if (inputs.length) inputs[0].focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) { remove.closest(".repeat-row").remove(); }
  });
})();
