// The demo platform's side of LTI Platform Storage (client-side postMessage): it keeps values
// for the tool's iframe, as Moodle and Canvas do, so launches work when cookies are blocked.
(function () {
  "use strict";
  var frame = document.getElementById("tool-frame");
  if (!frame) { return; }
  var toolOrigin = new URL(frame.src, window.location.href).origin;
  var stored = {};
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== toolOrigin || typeof data.subject !== "string") { return; }
    var reply = {message_id: data.message_id};
    if (data.subject === "lti.capabilities") {
      reply.subject = "lti.capabilities.response";
      reply.supported_messages = [{subject: "lti.put_data"}, {subject: "lti.get_data"}];
    } else if (data.subject === "lti.put_data") {
      stored[data.key] = data.value;
      reply.subject = "lti.put_data.response";
      reply.key = data.key;
      reply.value = data.value;
    } else if (data.subject === "lti.get_data") {
      reply.subject = "lti.get_data.response";
      reply.key = data.key;
      if (Object.prototype.hasOwnProperty.call(stored, data.key)) {
        reply.value = stored[data.key];
      } else {
        reply.error = {code: "not_found", message: "No value for that key"};
      }
    } else {
      return;
    }
    event.source.postMessage(reply, event.origin);
  });
}());
