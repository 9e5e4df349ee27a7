/* Start deform's widgets on a form page (what deform's templates would do inline). */
(function () {
  "use strict";
  if (window.deform) { window.deform.load(); }
})();
