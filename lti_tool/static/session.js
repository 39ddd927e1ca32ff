// Tell PeerReady when a page is shown and when it goes away, so the launch's session can be
// recorded as ended (xAPI "terminated") once no PeerReady page is open. Moving between
// PeerReady's pages sends "left" from the old page and "shown" from the new one; the browser's
// clock in each says which came last, whatever order they arrive in.
(function () {
  "use strict";
  var url = document.body.dataset.sessionPresenceUrl;
  if (!url || !navigator.sendBeacon) { return; }
  function tell(state) {
    // text/plain is CORS-safelisted; the session token travels in the URL.
    navigator.sendBeacon(url, new Blob([state + " " + Date.now()], {type: "text/plain"}));
  }
  window.addEventListener("pagehide", function () { tell("left"); });
  window.addEventListener("pageshow", function () { tell("shown"); });
})();
