// Submit the form on load (an OIDC form_post); a button is shown when scripts are off.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("autopost");
  if (form) { form.submit(); }
});
