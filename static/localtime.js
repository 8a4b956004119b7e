// Times are written in UTC; beside each <time data-local> this adds the reader's own time
// ("(10:24 your time)", with the date when it differs), unless the reader's zone is UTC.
(function () {
  "use strict";
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime()) || when.getTimezoneOffset() === 0) {
      return;
    }
    var options = { hour: "2-digit", minute: "2-digit" };
    if (when.getDate() !== when.getUTCDate()) {
      options.day = "numeric";
      options.month = "long";
    }
    var note = document.createElement("span");
    note.className = "local-time";
    note.textContent = " (" + when.toLocaleString([], options) + " your time)";
    element.after(note);
  });
})();
