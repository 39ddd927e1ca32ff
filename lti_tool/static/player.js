// PeerReady's video player: tracking, transcript, checkpoints, speed and keyboard shortcuts.
// Progressive enhancement: without this script the native <video> (captions on) and the
// transcript still work. The server decides completion; this script only reports what played.
//
// Report protocol (POST JSON to data-progress-url, session token in the header or URL):
//   {"player_session": "<random id per page load>",
//    "segments": [[start, end], ...],          // video seconds played since the last report
//    "events": [{"id": "<unique in session>", "type": "played", "at": "<ISO time>",
//                "position": 12.3, "from": 10, "to": 30, "speed": 1.25, "detail": {...}}]}
// The reply is the learner's status: {"share", "seconds", "furthest", "resume", "complete", ...}.
(function () {
  "use strict";

  var root = document.getElementById("player");
  if (!root) { return; }

  var SKIP_TOLERANCE = 2;      // seconds; the server allows the same
  var MAX_JUMP = 1.5;          // seconds of video between two timeupdates that still count as play
  var FLUSH_SECONDS = 10;
  var data = root.dataset;
  var duration = parseFloat(data.duration) || 0;
  var furthest = parseFloat(data.furthest) || 0;
  var preventSkipping = data.preventSkipping === "true";
  var answered = (data.answered || "").split(" ").filter(Boolean);
  var playerSession = randomId();
  var eventCounter = 0;
  var queueKey = "peerready-progress:" + data.learner + ":" + data.module;
  var status = document.getElementById("player-status");
  var segments = [];           // closed segments not yet reported
  var openStart = null;        // start of the segment being played, or null
  var lastTime = 0;
  var events = [];
  var adapter = null;
  var checkpointOpen = false;

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function announce(text) { if (status) { status.textContent = text; } }

  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  // --- recording ---------------------------------------------------------------------------

  function record(type, extra) {
    var event = {id: "e" + (++eventCounter), type: type, at: new Date().toISOString(),
                 position: round(adapter.currentTime()), speed: adapter.rate()};
    Object.keys(extra || {}).forEach(function (key) { event[key] = extra[key]; });
    events.push(event);
  }

  function round(value) { return Math.max(0, Math.round(value * 1000) / 1000); }

  function closeSegment() {
    if (openStart !== null && lastTime > openStart) {
      segments.push([round(openStart), round(lastTime)]);
    }
    openStart = null;
  }

  function onTime() {
    var now = adapter.currentTime();
    if (adapter.paused() || checkpointOpen) { lastTime = now; return; }
    var playedFrom = now;        // where this stretch of play began, for checkpoints passed
    if (openStart === null) {
      openStart = now;
    } else if (now < lastTime || now - lastTime > MAX_JUMP * adapter.rate() + 0.5) {
      closeSegment();            // a jump (seek) that the seeking event didn't catch
      openStart = now;
    } else {
      playedFrom = lastTime;
    }
    lastTime = now;
    if (now > furthest && now - furthest <= MAX_JUMP * adapter.rate() + SKIP_TOLERANCE) {
      furthest = now;
    }
    highlightCue(now);
    checkCheckpoints(playedFrom, now);
  }

  function takeReport() {
    if (openStart !== null && lastTime > openStart) {
      segments.push([round(openStart), round(lastTime)]);
      openStart = lastTime;
    }
    if (!segments.length && !events.length) { return null; }
    var report = {player_session: playerSession, segments: segments, events: events};
    segments = [];
    events = [];
    return report;
  }

  function loadQueue() {
    try { return JSON.parse(window.localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(queue) {
    try {
      if (queue.length) { window.localStorage.setItem(queueKey, JSON.stringify(queue.slice(-50))); }
      else { window.localStorage.removeItem(queueKey); }
    } catch (e) { /* storage full or blocked: reports are only kept in memory */ }
  }

  var sending = false;
  function flush() {
    var report = takeReport();
    var queue = loadQueue();
    if (report) { queue.push(report); saveQueue(queue); }
    if (sending || !queue.length || !navigator.onLine) { return; }
    sending = true;
    var next = queue[0];
    var headers = {"Content-Type": "application/json", "Accept": "application/json"};
    headers[data.sessionHeader] = data.sessionToken;
    fetch(data.progressUrl, {method: "POST", headers: headers, body: JSON.stringify(next),
                             credentials: "same-origin", keepalive: true})
      .then(function (response) {
        if (response.ok || response.status === 400) {   // a 400 will never succeed: drop it
          saveQueue(loadQueue().slice(1));
        }
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        sending = false;
        if (body) { showStatus(body); }
        if (loadQueue().length) { window.setTimeout(flush, 200); }
      })
      .catch(function () { sending = false; });   // offline: kept in localStorage for later
  }

  function beacon() {
    var report = takeReport();
    var queue = loadQueue();
    if (report) { queue.push(report); }
    if (!queue.length) { return; }
    if (navigator.sendBeacon) {
      var sent = queue.filter(function (item) {
        // text/plain is CORS-safelisted; the server reads the body as JSON whatever its type.
        return navigator.sendBeacon(data.progressUrl, new Blob([JSON.stringify(item)], {type: "text/plain"}));
      });
      queue = queue.slice(sent.length);
    }
    saveQueue(queue);
  }

  function showStatus(body) {
    if (typeof body.furthest === "number") { furthest = Math.max(furthest, body.furthest); }
    if (body.answered) { answered = body.answered; }
    var text = body.complete ? "✓ Complete." : Math.floor(body.share * 100) + "% watched.";
    if (body.complete && data.complete !== "true") {
      data.complete = "true";
      text = "✓ Complete. Well done: this video counts as watched.";
    }
    announce(text);
  }

  // --- transcript --------------------------------------------------------------------------

  var cues = Array.prototype.slice.call(document.querySelectorAll("#cues .cue"));
  var currentCue = null;
  function highlightCue(time) {
    var found = null;
    for (var i = 0; i < cues.length; i++) {
      if (time >= parseFloat(cues[i].dataset.start) && time < parseFloat(cues[i].dataset.end)) { found = cues[i]; break; }
    }
    if (found === currentCue) { return; }
    if (currentCue) { currentCue.removeAttribute("aria-current"); }
    currentCue = found;
    if (found) {
      found.setAttribute("aria-current", "true");
      var list = document.getElementById("cues");
      var top = found.offsetTop - list.offsetTop;
      if (list.scrollHeight > list.clientHeight &&
          (top < list.scrollTop || top > list.scrollTop + list.clientHeight - found.offsetHeight)) {
        list.scrollTop = top - list.clientHeight / 3;   // scroll the transcript box, not the page
      }
    }
  }

  function seekTo(target, control) {
    var from = adapter.currentTime();
    if (preventSkipping && target > furthest + SKIP_TOLERANCE) {
      announce("You can't skip ahead yet. Keep watching: you can go back to anything you've seen.");
      return false;
    }
    closeSegment();
    adapter.seek(target);
    lastTime = target;
    record("seeked", {from: round(from), to: round(target), detail: control ? {control: control} : undefined});
    return true;
  }

  cues.forEach(function (cue) {
    cue.addEventListener("click", function (event) {
      event.preventDefault();
      if (seekTo(parseFloat(cue.dataset.start), "transcript")) { adapter.play(); }
    });
  });

  // --- checkpoints -------------------------------------------------------------------------

  var checkpoints = Array.prototype.slice.call(document.querySelectorAll(".checkpoint")).map(function (el) {
    return {el: el, id: el.dataset.checkpoint, at: parseFloat(el.dataset.at),
            required: el.dataset.required === "true", shown: false, home: el.parentNode, next: el.nextSibling};
  });
  var dialog = null;
  if (checkpoints.length && typeof HTMLDialogElement === "function") {
    dialog = document.createElement("dialog");
    dialog.className = "checkpoint-dialog";
    document.body.appendChild(dialog);
    dialog.addEventListener("cancel", function (event) {
      var point = dialog.point;
      if (point && point.required && answered.indexOf(point.id) < 0) {
        event.preventDefault();   // Escape must not skip a required question
        var feedback = point.el.querySelector(".checkpoint-feedback");
        feedback.textContent = "Please answer this question to carry on.";
      }
    });
    dialog.addEventListener("close", function () { closeCheckpoint(); });
  }

  // A checkpoint opens when play passes it: between two timeupdates (a few seconds apart at
  // high speed) or up to 2 s before a seek's landing point.
  function checkCheckpoints(from, time) {
    if (!dialog || checkpointOpen) { return; }
    for (var i = 0; i < checkpoints.length; i++) {
      var point = checkpoints[i];
      if (!point.shown && answered.indexOf(point.id) < 0 && time >= point.at && from - point.at < 2) {
        openCheckpoint(point);
        return;
      }
    }
  }

  function openCheckpoint(point) {
    point.shown = true;
    adapter.pause();
    closeSegment();
    checkpointOpen = true;
    record("checkpoint", {detail: {checkpoint: point.id, action: "shown"}});
    dialog.point = point;
    dialog.appendChild(point.el);
    var done = point.el.querySelector(".checkpoint-continue");
    if (!done) {
      done = document.createElement("button");
      done.type = "button";
      done.className = "checkpoint-continue";
      done.textContent = "Carry on watching";
      done.hidden = point.required;
      done.addEventListener("click", function () { dialog.close(); });
      point.el.appendChild(done);
    }
    dialog.showModal();
    point.el.querySelector("h3").focus();
  }

  function closeCheckpoint() {
    var point = dialog.point;
    if (!point) { return; }
    dialog.point = null;
    point.home.insertBefore(point.el, point.next);
    checkpointOpen = false;
    flush();
    adapter.focus();
    adapter.play();
  }

  checkpoints.forEach(function (point) {
    var form = point.el.querySelector("form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var choice = form.querySelector("input[name=choice]:checked");
      var headers = {"Content-Type": "application/json", "Accept": "application/json"};
      headers[data.sessionHeader] = data.sessionToken;
      var feedback = form.querySelector(".checkpoint-feedback");
      fetch(data.checkpointUrl.replace("CHECKPOINT", encodeURIComponent(point.id)), {
        method: "POST", headers: headers, credentials: "same-origin",
        body: JSON.stringify({choice: choice ? choice.value : null})
      }).then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      }).then(function (result) {
        if (!result.ok) { feedback.textContent = result.body.message || "That didn't work. Try again."; return; }
        var body = result.body;
        var verdict = body.correct === true ? "Right. " : body.correct === false ? "Not quite. " : "";
        feedback.textContent = verdict + (body.feedback || "Thanks for stopping to think.");
        feedback.className = "checkpoint-feedback " + (body.correct === false ? "is-wrong" : "is-right");
        if (body.status) { showStatus(body.status); }
        if (answered.indexOf(point.id) < 0) { answered.push(point.id); }
        var carryOn = point.el.querySelector(".checkpoint-continue");
        if (carryOn) { carryOn.hidden = false; carryOn.focus(); }
      }).catch(function () { feedback.textContent = "You seem to be offline. Try again in a moment."; });
    });
  });

  // --- controls and keyboard ---------------------------------------------------------------

  var speed = document.getElementById("speed");
  var restart = document.getElementById("restart");
  var controls = root.querySelector(".player-controls");

  function setSpeed(value) {
    var options = Array.prototype.map.call(speed.options, function (o) { return parseFloat(o.value); });
    var best = options.reduce(function (a, b) { return Math.abs(b - value) < Math.abs(a - value) ? b : a; });
    speed.value = String(best);
    adapter.setRate(best);
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "BUTTON" || checkpointOpen) { return; }
    var key = event.key;
    var handled = true;
    if (key === "k" || key === "K" || (key === " " && event.target === root)) {
      if (adapter.paused()) { adapter.play(); } else { adapter.pause(); }
    } else if (key === "j" || key === "J") {
      seekTo(Math.max(0, adapter.currentTime() - 10), "keyboard");
    } else if (key === "l" || key === "L") {
      seekTo(Math.min(duration, adapter.currentTime() + 10), "keyboard");
    } else if (key === "c" || key === "C") {
      adapter.toggleCaptions();
    } else if (key === "<" || key === ",") {
      setSpeed(adapter.rate() - 0.25);
    } else if (key === ">" || key === ".") {
      setSpeed(adapter.rate() + 0.25);
    } else if (key === "t" || key === "T") {
      (currentCue || cues[0] || root).focus();
    } else {
      handled = false;
    }
    if (handled) { event.preventDefault(); }
  }

  // --- wiring ------------------------------------------------------------------------------

  function start(playerAdapter) {
    adapter = playerAdapter;
    window.peerreadyPlayer = adapter;   // for tests and debugging
    controls.hidden = false;
    var resume = parseFloat(data.resume) || 0;
    adapter.ready(function () {
      setSpeed(parseFloat(data.speed) || 1);
      if (resume > 0) {
        adapter.seek(resume);
        lastTime = resume;
        restart.hidden = false;
        announce("Carrying on from " + clock(resume) + ".");
      }
      record("initialized");
    });
    restart.addEventListener("click", function () { seekTo(0, "restart"); restart.hidden = true; adapter.play(); });
    speed.addEventListener("change", function () { adapter.setRate(parseFloat(speed.value)); });
    adapter.on("play", function () { lastTime = adapter.currentTime(); openStart = lastTime; record("played"); });
    adapter.on("pause", function () { closeSegment(); record("paused"); flush(); });
    adapter.on("ended", function () {
      lastTime = adapter.duration() || duration; closeSegment(); record("ended"); flush();
    });
    adapter.on("timeupdate", onTime);
    adapter.on("seeking", function (from, to) {
      if (preventSkipping && to > furthest + SKIP_TOLERANCE) {
        adapter.seek(furthest);
        announce("You can't skip ahead yet. Keep watching: you can go back to anything you've seen.");
        return;
      }
      closeSegment();
      if (Math.abs(to - from) > 0.5) { record("seeked", {from: round(from), to: round(to)}); }
      lastTime = to;
    });
    adapter.on("ratechange", function () { record("ratechange"); });
    adapter.on("captions", function (detail) { record("captions", {detail: detail}); });
    root.addEventListener("keydown", onKey);
    window.setInterval(flush, FLUSH_SECONDS * 1000);
    window.addEventListener("online", flush);
    window.addEventListener("pagehide", function () { closeSegment(); record("terminated"); beacon(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { beacon(); }
    });
    flush();   // anything an earlier visit left queued
  }

  // The HTML5 <video> adapter; player-embeds.js provides the same shape for YouTube and Vimeo.
  function html5(video) {
    var lastSeen = 0;
    var handlers = {};
    function emit(name, a, b) { (handlers[name] || []).forEach(function (fn) { fn(a, b); }); }
    video.addEventListener("timeupdate", function () { if (!video.seeking) { lastSeen = video.currentTime; } emit("timeupdate"); });
    video.addEventListener("play", function () { emit("play"); });
    video.addEventListener("pause", function () { if (!video.ended) { emit("pause"); } });
    video.addEventListener("ended", function () { emit("ended"); });
    video.addEventListener("seeking", function () { emit("seeking", lastSeen, video.currentTime); lastSeen = video.currentTime; });
    video.addEventListener("ratechange", function () { emit("ratechange"); });
    var tracks = video.textTracks;
    if (tracks && tracks.addEventListener) {
      tracks.addEventListener("change", function () {
        var showing = Array.prototype.filter.call(tracks, function (t) { return t.mode === "showing"; })[0];
        emit("captions", showing ? {enabled: true, lang: showing.language} : {enabled: false});
      });
    }
    // Show the default track even where a browser leaves it hidden (captions are on by default).
    if (tracks && tracks.length && !Array.prototype.some.call(tracks, function (t) { return t.mode === "showing"; })) {
      tracks[0].mode = "showing";
    }
    return {
      currentTime: function () { return video.currentTime || 0; },
      duration: function () { return video.duration || duration; },
      paused: function () { return video.paused; },
      play: function () { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } },
      pause: function () { video.pause(); },
      seek: function (t) { lastSeen = t; video.currentTime = t; },
      rate: function () { return video.playbackRate || 1; },
      setRate: function (r) { video.playbackRate = r; },
      focus: function () { video.focus(); },
      toggleCaptions: function () {
        var track = tracks && tracks[0];
        if (track) { track.mode = track.mode === "showing" ? "hidden" : "showing"; }
      },
      on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
      ready: function (fn) {
        if (video.readyState >= 1) { fn(); } else { video.addEventListener("loadedmetadata", fn, {once: true}); }
      }
    };
  }

  // Data attributes let a page (or a headless check) see what the player is doing.
  function mirror() {
    if (!adapter) { return; }
    root.dataset.currentTime = adapter.currentTime().toFixed(2);
    root.dataset.state = adapter.paused() ? "paused" : "playing";
    var video = document.getElementById("video");
    if (video) { root.dataset.readyState = String(video.readyState); }
  }
  window.setInterval(mirror, 500);

  var video = document.getElementById("video");
  if (video) {
    start(html5(video));
  } else if (window.peerreadyEmbed) {
    window.peerreadyEmbed(root, start);
  }
})();
