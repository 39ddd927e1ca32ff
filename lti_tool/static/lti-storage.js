// LTI Client Side postMessage (Platform Storage): keep the OIDC state in the platform's frame
// instead of a cookie, which the browser may block inside the course's iframe.
(function () {
  "use strict";
  var box = document.getElementById("lti-storage");
  if (!box) { return; }
  var targetName = box.dataset.target, origin = box.dataset.origin, state = box.dataset.state;
  var target = targetName === "_parent" ? window.parent :
    (window.parent.frames && window.parent.frames[targetName]) || window.parent;
  var TIMEOUT_MS = 3000;

  function ask(message, onAnswer, onFail) {
    var id = "peerready-" + Math.random().toString(36).slice(2);
    var timer = setTimeout(function () { window.removeEventListener("message", listen); onFail(); }, TIMEOUT_MS);
    function listen(event) {
      if (event.origin !== origin || !event.data || event.data.message_id !== id) { return; }
      clearTimeout(timer);
      window.removeEventListener("message", listen);
      if (event.data.error) { onFail(); } else { onAnswer(event.data); }
    }
    window.addEventListener("message", listen);
    message.message_id = id;
    target.postMessage(message, origin);
  }

  if (box.dataset.action === "put") {
    var go = function () { window.location.assign(box.dataset.continue); };
    ask({subject: "lti.put_data", key: "peerready-state-" + state, value: state}, function () {
      ask({subject: "lti.put_data", key: "peerready-nonce-" + box.dataset.nonce, value: box.dataset.nonce}, go, go);
    }, go);
  } else {
    var form = document.getElementById("verify-form");
    ask({subject: "lti.get_data", key: "peerready-state-" + state}, function (data) {
      form.elements.stored_state.value = data.value || "";
      form.submit();
    }, function () {
      box.querySelector(".fallback").hidden = false;
      box.querySelector("[role=status]").textContent = "We couldn't confirm your sign-in.";
    });
  }
}());
