// Quiz pages: after an answer, move focus to the feedback heading so screen readers start there.
// The page works without this script; it only improves where focus lands.
(function () {
  "use strict";
  if (!document.querySelector("[data-focus-heading]")) return;
  var heading = document.querySelector("main h1");
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus();
})();
