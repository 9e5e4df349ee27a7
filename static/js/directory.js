/* The people directory: keep the chosen department in sight in a long tree. */
(function () {
  "use strict";
  var box = document.getElementById("dept-tree-scroll");
  var active = box && box.querySelector("a.active[data-dept]");
  if (active && box.scrollHeight > box.clientHeight) {
    box.scrollTop = active.offsetTop - box.clientHeight / 2;
  }
})();
