// Tell PeerReady when a page goes away, so the launch's session can be recorded as ended
// (xAPI "terminated") once no other PeerReady page opens. Moving between PeerReady's pages
// also fires pagehide: the server waits a little before ending the session, and the next
// page cancels it. A page restored from the back-forward cache says it is back.
(function () {
  "use strict";
  var url = document.body.dataset.sessionPresenceUrl;
  if (!url || !navigator.sendBeacon) { return; }
  function tell(state) {
    // text/plain is CORS-safelisted; the session token travels in the URL.
    navigator.sendBeacon(url, new Blob([state], {type: "text/plain"}));
  }
  window.addEventListener("pagehide", function () { tell("left"); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { tell("back"); } });
})();
