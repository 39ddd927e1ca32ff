// LTI Dynamic Registration: tell the platform's window that registration has finished.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  (window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");
});
