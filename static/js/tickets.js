// A ticket's page: insert a ready answer or an article's link into the reply being written.
(function () {
  "use strict";
  function insert(text) {
    var area = document.getElementById("reply-body");
    if (!area) return;
    var start = area.selectionStart || area.value.length;
    var end = area.selectionEnd || area.value.length;
    var before = area.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    area.value = before + glue + text + area.value.slice(end);
    area.focus();
    var at = (before + glue + text).length;
    area.setSelectionRange(at, at);
  }
  document.addEventListener("change", function (event) {
    if (event.target.id !== "canned") return;
    var option = event.target.selectedOptions[0];
    if (option && option.dataset.body) insert(option.dataset.body);
    event.target.value = "";
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".insert-link");
    if (!button) return;
    insert(button.dataset.title + ": " + button.dataset.url);
  });
})();
