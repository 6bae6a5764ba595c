/* The launcher (content origin): hosts the SCORM API object for one SCO and keeps the server
 * the record. scorm-again (loaded before this file) implements the API; this file loads the
 * stored state, sends every commit to the runtime endpoint with an increasing sequence number
 * and a commit id (retried with the same id and number until the server answers), and tells
 * the player (platform origin, checked both ways) what happens: saving, saved, offline,
 * SCORM errors and the SCO's navigation requests (adl.nav.request). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("tn-launch").textContent);
  var player = window.parent !== window ? window.parent : window.opener;
  var is2004 = config.standard === "scorm2004";
  var seq = 0;
  var pending = null; // the newest commit not yet accepted: {seq, commit_id, cmi, terminate}
  var sending = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var navRequest = "";
  var terminated = false;
  var conflicted = false;

  function tell(type, detail) {
    if (!player) return;
    var message = { taynghe: "courseware", type: type, activityId: config.activityId };
    for (var key in detail || {}) message[key] = detail[key];
    // Addressed to the platform origin only: another embedder never receives it.
    player.postMessage(message, config.platformOrigin);
  }

  function commitId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  function queueCommit(cmi, terminate) {
    if (conflicted) {
      tell("status", { status: "stale" });
      if (terminate) finished();
      return;
    }
    // Every commit carries the whole data model, so only the newest unsent one matters;
    // one already on the wire keeps its number and id until the server answers it.
    seq += 1;
    var commit = { seq: seq, commit_id: commitId(), cmi: cmi, terminate: !!terminate };
    if (sending) {
      if (pending.next && pending.next.terminate) commit.terminate = true;
      pending.next = commit;
    } else {
      pending = commit;
      send();
    }
  }

  function body(commit) {
    return JSON.stringify({
      seq: commit.seq,
      commit_id: commit.commit_id,
      cmi: commit.cmi,
      terminate: commit.terminate,
    });
  }

  function send() {
    if (!pending || sending || !config.runtimeUrl) return;
    sending = true;
    var commit = pending;
    var text = body(commit);
    tell("status", { status: "saving" });
    fetch(config.runtimeUrl, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: text,
      keepalive: text.length < 60000,
    })
      .then(function (response) {
        return response.json().then(
          function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: {} }; }
        );
      })
      .then(function (answer) {
        sending = false;
        if (answer.status >= 500) return retry(commit);
        retryDelay = 1000;
        pending = commit.next || null;
        if (answer.status === 200) {
          tell("status", { status: "saved", result: answer.data });
        } else if (answer.status === 409) {
          // Another tab or device stored newer data. This page's copy is older: it must never
          // overwrite that, now or at its next commit, so it stops saving and the learner
          // reloads to continue from the newer state.
          conflicted = true;
          pending = null;
          tell("status", { status: "stale", result: answer.data });
        } else if (answer.status === 400) {
          tell("error", { error: answer.data.error, element: answer.data.element, message: answer.data.message });
        } else {
          pending = null;
          tell("status", { status: "expired", code: answer.status });
          return;
        }
        if (commit.terminate) finished();
        send();
      })
      .catch(function () {
        sending = false;
        retry(commit);
      });
  }

  function retry(commit) {
    // The same commit (same number and id): the server stores it at most once.
    tell("status", { status: "offline", retryIn: retryDelay });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      pending = commit;
      send();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function finished() {
    tell("terminated", { navRequest: navRequest });
  }

  function flushOnExit() {
    if (!pending || !config.runtimeUrl) return;
    var commit = pending;
    while (commit.next) commit = commit.next;
    var text = body(commit);
    // text/plain keeps the beacon a simple request (no preflight); the endpoint reads JSON.
    if (!(navigator.sendBeacon && navigator.sendBeacon(config.runtimeUrl, new Blob([text], { type: "text/plain" })))) {
      fetch(config.runtimeUrl, { method: "POST", mode: "cors", credentials: "omit", body: text, keepalive: true });
    }
  }

  var httpService = {
    reportsRequestCompletion: false,
    processHttpRequest: function (url, params, immediate) {
      queueCommit(params, immediate);
      return { result: "true", errorCode: 0 };
    },
    updateSettings: function () {},
  };

  var settings = {
    autocommit: true,
    autocommitSeconds: 30,
    dataCommitFormat: "json",
    sendFullCommit: true,
    renderCommonCommitFields: false,
    lmsCommitUrl: config.runtimeUrl || false,
    httpService: config.runtimeUrl ? httpService : null,
    logLevel: 4,
    mastery_override: false,
  };

  function start(state) {
    var Runtime = is2004 ? window.Scorm2004API : window.Scorm12API;
    var api = new Runtime(settings);
    if (state && state.cmi) api.loadFromJSON(state.cmi);
    seq = (state && state.seq) || 0;
    watch(api);
    open();
  }

  function watch(api) {
    if (is2004) {
      api.on("SetValue.adl.nav.request", function (element, value) {
        navRequest = value;
      });
    }
    api.on(is2004 ? "Terminate" : "LMSFinish", function () {
      terminated = true;
      if (!config.runtimeUrl) finished();
    });
    if (is2004) window.API_1484_11 = api;
    else window.API = api;
  }

  function open() {
    if (config.newWindow) {
      var button = document.getElementById("open-window");
      button.addEventListener("click", function () {
        window.open(config.scoUrl, "taynghe-sco-" + config.activityId);
      });
      return;
    }
    var frame = document.createElement("iframe");
    frame.id = "sco";
    frame.title = config.title || "SCO";
    frame.setAttribute("allow", "fullscreen; autoplay");
    frame.src = config.scoUrl;
    document.body.appendChild(frame);
  }

  window.addEventListener("pagehide", flushOnExit);
  window.addEventListener("message", function (event) {
    // Only the player may ask (for example to save before it navigates away).
    if (event.origin !== config.platformOrigin || event.source !== player) return;
    if (event.data && event.data.taynghe === "player" && event.data.type === "flush") flushOnExit();
  });

  function failed() {
    var notice = document.getElementById("launch-error");
    if (notice) notice.hidden = false;
  }

  if (config.inject) {
    // Opaque fallback: the SCO's own document hosts the API (frames in opaque origins
    // cannot reach each other), so it takes this page's place in the player's frame.
    window.location.replace(config.scoUrl);
    return;
  }
  if (!window.Scorm12API && !window.Scorm2004API) {
    failed();
    tell("error", { error: "runtime_missing" });
    return;
  }
  if (!config.runtimeUrl) {
    start(null);
    return;
  }
  if (config.injected) {
    // The SCO's own scripts run right after this one and call Initialize at once, so the
    // stored state is read synchronously here.
    var request = new XMLHttpRequest();
    request.open("GET", config.runtimeUrl, false);
    try {
      request.send();
    } catch (error) {
      tell("status", { status: "load-failed" });
      return;
    }
    if (request.status === 200) {
      var state = JSON.parse(request.responseText);
      var Runtime = is2004 ? window.Scorm2004API : window.Scorm12API;
      var api = new Runtime(settings);
      if (state.cmi) api.loadFromJSON(state.cmi);
      seq = state.seq || 0;
      watch(api);
    } else {
      tell("status", { status: "load-failed" });
    }
    return;
  }
  fetch(config.runtimeUrl, { mode: "cors", credentials: "omit" })
    .then(function (response) {
      if (!response.ok) throw new Error("load " + response.status);
      return response.json();
    })
    .then(start)
    .catch(function () {
      failed();
      tell("status", { status: "load-failed" });
    });
})();
