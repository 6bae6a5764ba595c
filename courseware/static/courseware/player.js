/* The player (platform origin): contents, previous/next, choice, the save status, and the
 * SCO's navigation requests, all through the runtime's nav endpoint. Messages are accepted
 * only from the launcher frame and only from the content origin. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("tn-player").textContent);
  var strings = config.strings;
  var frame = document.getElementById("launcher");
  var toc = document.getElementById("toc");
  var saveStatus = document.getElementById("save-status");
  var message = document.getElementById("player-message");
  var previousButton = document.getElementById("nav-previous");
  var continueButton = document.getElementById("nav-continue");
  var navigation = config.navigation;
  var currentId = null;

  function setStatus(state, text) {
    saveStatus.dataset.state = state;
    saveStatus.textContent = text;
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function launchable() {
    return navigation.toc.filter(function (node) {
      return node.launchable && !node.hidden && !node.disabled;
    });
  }

  function render() {
    toc.textContent = "";
    navigation.toc.forEach(function (node) {
      if (node.hidden) return;
      var item = document.createElement("li");
      item.style.paddingLeft = Math.max(0, node.depth - 1) + "rem";
      var label = strings.statuses[node.status] || node.status;
      if (node.launchable) {
        var button = document.createElement("button");
        button.type = "button";
        button.dataset.activity = node.activity_id;
        var title = document.createElement("span");
        title.textContent = node.title;
        var status = document.createElement("span");
        status.className = "toc-status";
        status.textContent = label;
        button.appendChild(title);
        button.appendChild(status);
        button.disabled = node.disabled || !navigation.choice_allowed;
        if (node.activity_id === currentId) button.setAttribute("aria-current", "true");
        button.addEventListener("click", function () {
          request("choice", node.activity_id);
        });
        item.appendChild(button);
      } else {
        var cluster = document.createElement("span");
        cluster.className = "toc-cluster";
        cluster.textContent = node.title;
        item.appendChild(cluster);
      }
      toc.appendChild(item);
    });
    previousButton.disabled = !navigation.can_previous;
    continueButton.disabled = !navigation.can_continue;
    var hidden = (currentId !== null && config.hideUi[currentId]) || [];
    previousButton.hidden = hidden.indexOf("previous") >= 0;
    continueButton.hidden = hidden.indexOf("continue") >= 0;
    document.getElementById("player-exit-wrap").hidden =
      hidden.indexOf("exit") >= 0 || hidden.indexOf("exitAll") >= 0;
  }

  function deliver(activityId) {
    currentId = activityId;
    navigation.current_id = activityId;
    frame.src = config.launchBase + activityId + (config.newWindow ? "?window=new" : "");
    say("");
    render();
  }

  function previewRequest(kind, target) {
    var items = launchable();
    var index = items.findIndex(function (node) { return node.activity_id === currentId; });
    if (kind === "choice") return deliver(target);
    if (kind === "start" || kind === "resumeAll") return items.length && deliver(items[0].activity_id);
    if (kind === "continue" && index + 1 < items.length) return deliver(items[index + 1].activity_id);
    if (kind === "previous" && index > 0) return deliver(items[index - 1].activity_id);
    if (kind === "continue" || kind === "exit" || kind === "exitAll") return finish();
    say(strings.notAllowed);
  }

  function finish() {
    frame.removeAttribute("src");
    currentId = null;
    render();
    say(strings.finished);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function request(kind, target, fallback) {
    if (config.preview) return previewRequest(kind, target);
    // Unload the SCO first: it terminates and its launcher sends the last commit.
    var leaving = currentId !== null && kind !== "start" && kind !== "resumeAll";
    if (leaving) frame.removeAttribute("src");
    // A moment for the unloaded SCO's last commit (a beacon) to reach the server first.
    var pause = new Promise(function (resolve) { setTimeout(resolve, leaving ? 400 : 0); });
    return pause.then(function () {
      return fetch(config.navUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ request: kind, target: target === undefined ? null : target }),
      });
    })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result.navigation) navigation = result.navigation;
        if (result.deliver_id) {
          deliver(result.deliver_id);
        } else if (result.error) {
          if (fallback) return fallback();
          say(result.message || strings.notAllowed);
          if (leaving && currentId !== null) deliver(currentId);
        } else {
          finish();
          if ((kind === "exitAll" || kind === "suspendAll") && config.exitUrl) {
            window.location.assign(config.exitUrl);
          }
        }
      })
      .catch(function () { say(strings.loadFailed); });
  }

  function onNavRequest(value) {
    if (!value || value === "_none_") return;
    var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(value);
    if (choice) {
      var id = config.identifiers[choice[1]];
      if (id) request(choice[2], id);
      return;
    }
    if (["continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll"].indexOf(value) >= 0) {
      request(value);
    }
  }

  window.addEventListener("message", function (event) {
    // Only the launcher frame (in the opaque fallback, the SCO document that replaced it).
    if (event.source !== frame.contentWindow || event.origin !== config.contentOrigin) return;
    var data = event.data || {};
    if (data.taynghe !== "courseware") return;
    if (data.type === "status") {
      if (data.status === "saving") setStatus("saving", strings.saving);
      else if (data.status === "saved") {
        setStatus("saved", strings.saved);
        if (data.result && data.result.navigation) {
          navigation = data.result.navigation;
          render();
        }
      } else if (data.status === "offline") setStatus("offline", strings.offline);
      else if (data.status === "stale") setStatus("stale", strings.stale);
      else if (data.status === "expired") setStatus("expired", strings.expired);
      else if (data.status === "load-failed") setStatus("error", strings.loadFailed);
    } else if (data.type === "error") {
      setStatus("error", strings.error + (data.element ? " (" + data.element + ", " + data.error + ")" : ""));
    } else if (data.type === "terminated") {
      onNavRequest(data.navRequest);
    }
  });

  previousButton.addEventListener("click", function () { request("previous"); });
  continueButton.addEventListener("click", function () { request("continue"); });

  render();
  function firstChoice() {
    var items = launchable();
    if (items.length) return request("choice", items[0].activity_id);
    say(strings.notAllowed);
  }
  if (config.item) request("choice", config.item, firstChoice);
  else if (navigation.suspended_id || navigation.current_id) {
    request("resumeAll", null, function () { request("start", null, firstChoice); });
  }
  else request("start", null, firstChoice);
})();
