// Google Classroom add-on: hand the sign-in result from the pop-up to the iframe, and close the
// attachment discovery iframe once attachments are made. The pages work (by links) without it.
(function () {
  "use strict";
  var waiting = document.querySelector("[data-classroom-resume]");
  if (waiting) {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.origin !== window.location.origin || !data || data.type !== "peerready-signed-in") {
        return;
      }
      var url = new URL(waiting.getAttribute("data-classroom-resume"), window.location.href);
      url.searchParams.set("code", String(data.code));
      window.location.assign(url.toString());
    });
  }
  var signedIn = document.querySelector("[data-classroom-code]");
  if (signedIn && window.opener) {
    window.opener.postMessage(
      {type: "peerready-signed-in", code: signedIn.getAttribute("data-classroom-code")},
      window.location.origin
    );
    window.close();
  }
  var closer = document.querySelector("[data-classroom-close]");
  if (closer && window.parent !== window) {
    // Classroom's origin (CLASSROOM_FRAME_ANCESTORS): only Classroom may be told to close us.
    var classroom = closer.getAttribute("data-classroom-close") || "https://classroom.google.com";
    window.parent.postMessage({type: "Classroom", action: "closeIframe"}, classroom);
  }
})();
