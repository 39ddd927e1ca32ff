// YouTube and Vimeo players for PeerReady modules, with the same adapter shape as the HTML5
// one in player.js, so tracking, checkpoints and the transcript work the same way. Loaded only
// on pages whose module uses one of them (their CSP allows that provider and no other).
(function () {
  "use strict";

  function loadScript(src, onload) {
    var script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = onload;
    document.head.appendChild(script);
  }

  function emitter() {
    var handlers = {};
    return {
      on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
      emit: function (name, a, b) { (handlers[name] || []).forEach(function (fn) { fn(a, b); }); }
    };
  }

  // Neither API fires timeupdate or seeking the way <video> does: poll while playing and treat
  // a jump in the position as a seek.
  function poller(events, getTime, isPlaying) {
    var last = null;
    window.setInterval(function () {
      var now = getTime();
      if (last !== null && Math.abs(now - last) > 2 && (!isPlaying() || now < last || now - last > 3)) {
        events.emit("seeking", last, now);
      }
      last = now;
      if (isPlaying()) { events.emit("timeupdate"); }
    }, 250);
  }

  function youtube(root, start) {
    var holder = document.getElementById("embed");
    var target = document.createElement("div");
    holder.replaceChildren(target);
    var events = emitter();
    var player = null;
    var readyCallbacks = [];
    var state = -1;
    window.onYouTubeIframeAPIReady = function () {
      player = new window.YT.Player(target, {
        host: "https://www.youtube-nocookie.com",
        videoId: root.dataset.ref,
        playerVars: {cc_load_policy: 1, rel: 0, playsinline: 1, modestbranding: 1},
        events: {
          onReady: function () { readyCallbacks.forEach(function (fn) { fn(); }); readyCallbacks = null; },
          onStateChange: function (event) {
            state = event.data;
            if (state === 1) { events.emit("play"); }
            if (state === 2) { events.emit("pause"); }
            if (state === 0) { events.emit("ended"); }
          },
          onPlaybackRateChange: function () { events.emit("ratechange"); }
        }
      });
      poller(events, function () { return player && player.getCurrentTime ? player.getCurrentTime() : 0; },
             function () { return state === 1; });
    };
    var captionsOn = true;
    start({
      currentTime: function () { return player && player.getCurrentTime ? player.getCurrentTime() : 0; },
      duration: function () { return player && player.getDuration ? player.getDuration() : 0; },
      paused: function () { return state !== 1; },
      play: function () { if (player) { player.playVideo(); } },
      pause: function () { if (player) { player.pauseVideo(); } },
      seek: function (t) { if (player) { player.seekTo(t, true); } },
      rate: function () { return player && player.getPlaybackRate ? player.getPlaybackRate() : 1; },
      setRate: function (r) { if (player) { player.setPlaybackRate(r); } },
      focus: function () { var frame = holder.querySelector("iframe"); if (frame) { frame.focus(); } },
      toggleCaptions: function () {
        if (!player) { return; }
        captionsOn = !captionsOn;
        if (captionsOn) { player.loadModule("captions"); } else { player.unloadModule("captions"); }
        events.emit("captions", {enabled: captionsOn});
      },
      on: events.on,
      ready: function (fn) { if (readyCallbacks) { readyCallbacks.push(fn); } else { fn(); } }
    });
    loadScript("https://www.youtube.com/iframe_api");
  }

  function vimeo(root, start) {
    var holder = document.getElementById("embed");
    var events = emitter();
    var player = null;
    var time = 0, length = 0, rate = 1, playing = false;
    var readyCallbacks = [];
    start({
      currentTime: function () { return time; },
      duration: function () { return length; },
      paused: function () { return !playing; },
      play: function () { if (player) { player.play().catch(function () {}); } },
      pause: function () { if (player) { player.pause(); } },
      seek: function (t) { time = t; if (player) { player.setCurrentTime(t); } },
      rate: function () { return rate; },
      setRate: function (r) { if (player) { player.setPlaybackRate(r).catch(function () {}); } },
      focus: function () { var frame = holder.querySelector("iframe"); if (frame) { frame.focus(); } },
      toggleCaptions: function () {
        if (!player) { return; }
        player.getTextTrack().then(function (track) {
          if (track) { player.disableTextTrack(); events.emit("captions", {enabled: false}); }
          else { player.enableTextTrack("en"); events.emit("captions", {enabled: true, lang: "en"}); }
        });
      },
      on: events.on,
      ready: function (fn) { if (readyCallbacks) { readyCallbacks.push(fn); } else { fn(); } }
    });
    loadScript("https://player.vimeo.com/api/player.js", function () {
      holder.replaceChildren();
      player = new window.Vimeo.Player(holder, {id: root.dataset.ref, texttrack: "en", responsive: true});
      player.on("loaded", function (info) {
        player.getDuration().then(function (d) { length = d; });
        readyCallbacks.forEach(function (fn) { fn(); }); readyCallbacks = null;
      });
      player.on("timeupdate", function (info) { time = info.seconds; if (playing) { events.emit("timeupdate"); } });
      player.on("play", function () { playing = true; events.emit("play"); });
      player.on("pause", function () { playing = false; events.emit("pause"); });
      player.on("ended", function () { playing = false; events.emit("ended"); });
      player.on("seeked", function (info) { var from = time; time = info.seconds; events.emit("seeking", from, time); });
      player.on("playbackratechange", function (info) { rate = info.playbackRate; events.emit("ratechange"); });
    });
  }

  window.peerreadyEmbed = function (root, start) {
    if (root.dataset.kind === "youtube") { youtube(root, start); }
    else if (root.dataset.kind === "vimeo") { vimeo(root, start); }
  };
})();
