// Asks before leaving a question page whose answer was changed but not saved (a reload, the
// back button, a link): answers are saved on the server only when a button is pressed.
(function () {
  "use strict";
  var form = document.querySelector("form.question-form");
  if (!form) { return; }
  var changed = false;
  function mark() { changed = true; }
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  form.addEventListener("submit", function () { changed = false; });
  window.addEventListener("quizapp:leaving", function () { changed = false; });
  window.addEventListener("beforeunload", function (event) {
    if (changed) {
      event.preventDefault();
      event.returnValue = "";  // older browsers ask only when this is set
    }
  });
}());
