// Where a keyboard or screen reader user should start on a page the server sent back: a refused
// form's first field in error, or the feedback a checked answer was sent to (#feedback-N).
(function () {
  "use strict";
  if (document.querySelector("[autofocus]")) {
    return; // the page chose already
  }
  var invalid = document.querySelector('main [aria-invalid="true"]');
  if (invalid) {
    var field = invalid.matches("input, select, textarea, button")
      ? invalid
      : invalid.querySelector("input, select, textarea, button");
    if (field) {
      field.focus();
      return;
    }
  }
  var id = decodeURIComponent(location.hash.slice(1));
  var target = id.indexOf("feedback-") === 0 ? document.getElementById(id) : null;
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
})();
