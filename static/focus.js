// Where a keyboard or screen reader user should start on a page the server sent back: a refused
// form's first field in error, or the feedback a checked answer was sent to (#feedback-N).
(function () {
  "use strict";
  if (document.querySelector("[autofocus]")) {
    return; // the page chose already
  }
  // The first error in page order: a field marked invalid, or a group of fields (a fieldset, such
  // as an editor's list of options) described by its error message.
  var invalid = document.querySelector(
    'main [aria-invalid="true"], main fieldset[aria-describedby$="-error"]'
  );
  if (invalid) {
    var controls = 'input:not([type="hidden"]), select, textarea, button';
    var field = invalid.matches(controls) ? invalid : invalid.querySelector(controls);
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
