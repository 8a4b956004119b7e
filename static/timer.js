// Counts down to the exam deadline shown on the page; the server enforces it either way.
// At the deadline it saves what is on the page and submits the attempt, as a taker who ran
// out of time would want: the server accepts a save within its grace period after the deadline.
// A question page saves and goes to the summary, the summary goes on to the confirmation, and
// the confirmation submits (each marks the form or link to use with data-time-up). A question
// page shown again with an error (its answer cannot be saved) goes straight to the summary.
(function () {
  "use strict";
  var deadline = document.getElementById("deadline");
  var output = document.getElementById("countdown");
  if (!deadline || !output) { return; }

  // The page states the deadline in UTC; say it in the taker's own time too.
  var due = new Date(Date.parse(deadline.getAttribute("datetime")));
  if (due.getTimezoneOffset() !== 0) {
    var local = document.createElement("span");
    local.textContent = " (" + due.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + " your time)";
    deadline.after(local);
  }

  function submitAttempt() {
    var form = document.querySelector("form[data-time-up]");
    var link = document.querySelector("a[data-time-up]");
    window.dispatchEvent(new Event("quizapp:leaving"));  // not an unsaved change (unsaved.js)
    if (form) {
      if (form.getAttribute("data-time-up") === "save") {
        var go = document.createElement("input");
        go.type = "hidden";
        go.name = "go";
        go.value = "summary";
        form.appendChild(go);
      }
      form.submit();
    } else if (link) {
      window.location.assign(link.href);
    }
  }

  function tick() {
    // Read each time: the page's deadline is the one the server set.
    var end = Date.parse(deadline.getAttribute("datetime"));
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    if (left > 0) {
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      output.textContent = "Time left: " + minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s.";
      window.setTimeout(tick, 1000);
      return;
    }
    var acting = document.querySelector("[data-time-up]");
    output.textContent = !acting
      ? "Time is up: your saved answers will be submitted."
      : acting.getAttribute("data-time-up") === "save"
        ? "Time is up: saving this page and submitting your answers."
        : "Time is up: submitting your saved answers.";
    submitAttempt();
  }
  tick();
}());
