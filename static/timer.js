// Counts down to the exam deadline shown on the page; the server enforces it either way.
(function () {
  "use strict";
  var deadline = document.getElementById("deadline");
  var output = document.getElementById("countdown");
  if (!deadline || !output) { return; }
  var end = Date.parse(deadline.getAttribute("datetime"));
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    output.textContent = left > 0
      ? "Time left: " + minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s."
      : "Time is up: your saved answers will be submitted.";
    if (left > 0) { window.setTimeout(tick, 1000); }
  }
  tick();
}());
