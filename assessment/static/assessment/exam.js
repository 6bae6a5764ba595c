/* The exam client: draws the attempt the server prepared, saves every change (debounced)
 * through the idempotent save endpoint, keeps unconfirmed answers in a localStorage journal
 * that is replayed until the server confirms them, shows whether answers are saved, and
 * counts down from the SERVER's deadline. No framework, no build step. */
(function () {
  "use strict";

  var root = document.getElementById("exam");
  if (!root) return;
  var T = JSON.parse(document.getElementById("exam-strings").textContent || "{}");
  var urls = {
    state: root.dataset.stateUrl,
    start: root.dataset.startUrl,
    save: root.dataset.saveUrl,
    submit: root.dataset.submitUrl,
  };
  var csrf = root.dataset.csrf;
  // The save token (start and state hand it to the learner): saves sent with it need no
  // session read on the server. Kept in memory only; a reload asks the state again.
  var saveToken = null;
  var journalKey = "taynghe-exam-" + root.dataset.attempt;
  var el = function (sel) { return root.querySelector(sel); };
  var indicator = el("[data-indicator]");
  var clock = el("[data-clock]");
  var message = el("[data-message]");

  var state = null; // the server's view of the attempt
  var offset = 0; // server time minus this device's time, in ms
  var closed = false;
  var offline = false;
  var paused = false;
  var flushing = false;
  var timers = {};

  // --- the journal: {counter, entries: {questionKey: {seq, response}}} -----------------
  function loadJournal() {
    try {
      var stored = JSON.parse(localStorage.getItem(journalKey) || "null");
      if (stored && typeof stored === "object" && stored.entries) return stored;
    } catch (e) { /* an unreadable journal is an empty one */ }
    return { counter: 0, entries: {} };
  }
  var journal = loadJournal();
  function keepJournal() {
    try { localStorage.setItem(journalKey, JSON.stringify(journal)); } catch (e) { /* full or private mode: the server still has what it confirmed */ }
  }
  function waiting() { return Object.keys(journal.entries).length; }

  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function showIndicator(kind) {
    var n = waiting();
    var text;
    if (closed) text = T.closed;
    else if (paused) text = fmt(T.paused, { n: n });
    else if (offline) text = fmt(T.offline, { n: n });
    else if (flushing || n) text = n ? fmt(T.saving_n, { n: n }) : T.saving;
    else text = T.saved;
    indicator.textContent = text;
    indicator.dataset.state = closed ? "closed" : paused ? "paused" : offline ? "offline" : n ? "saving" : "saved";
  }

  function request(method, url, body) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" };
    if (saveToken && url === urls.save) headers["X-Attempt-Token"] = saveToken;
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function showMessage(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  // --- saving ----------------------------------------------------------------------------
  function record(key, response) {
    journal.counter += 1;
    journal.entries[key] = { seq: journal.counter, response: response };
    keepJournal();
    showIndicator();
    clearTimeout(timers[key]);
    timers[key] = setTimeout(flush, 600);
  }

  function flush() {
    if (flushing || closed) return Promise.resolve();
    var keys = Object.keys(journal.entries);
    if (!keys.length) { showIndicator(); return Promise.resolve(); }
    flushing = true;
    showIndicator();
    var chain = Promise.resolve();
    keys.forEach(function (key) {
      chain = chain.then(function () { return send(key); });
    });
    return chain.then(function () {
      flushing = false;
      offline = false;
      showIndicator();
      if (waiting() && !closed) setTimeout(flush, 200); // changed while sending
    }, function (error) {
      flushing = false;
      offline = !(error && error.message === "paused");
      showIndicator();
    });
  }

  function send(key) {
    var entry = journal.entries[key];
    if (!entry) return Promise.resolve();
    return request("POST", urls.save, {
      question: key, seq: entry.seq, response: entry.response, client_time: new Date().toISOString(),
    }).then(function (result) {
      var current = journal.entries[key];
      var status = result.status;
      var code = result.data && result.data.error;
      if (paused && status !== 423) { paused = false; showMessage(""); }
      if (status === 200 || (status === 409 && result.data.status === "stale")) {
        // Confirmed (or the server holds something newer): forget it unless it changed since.
        if (current && current.seq === entry.seq) delete journal.entries[key];
      } else if (status === 409 && code === "seq_conflict") {
        if (current && current.seq === entry.seq) { journal.counter += 1; current.seq = journal.counter; }
      } else if (status === 410) {
        closed = true;
        showMessage(result.data.message || T.closed);
        lock();
      } else if (status === 423) {
        paused = true;
        showMessage(result.data.message || "");
        throw new Error("paused");
      } else if (status === 401 || status === 403) {
        // Logged out or the session expired: keep the answer until the learner is back.
        showMessage((result.data && result.data.message) || T.login_again);
        throw new Error("auth");
      } else if (status >= 500 || status === 0) {
        throw new Error("server");
      } else {
        // A refusal that retrying cannot fix (malformed, unknown question): say so, drop it.
        showMessage(result.data.message || T.not_saved);
        if (current && current.seq === entry.seq) delete journal.entries[key];
      }
      keepJournal();
    });
  }

  window.addEventListener("online", function () { offline = false; flush(); });
  window.addEventListener("offline", function () { offline = true; showIndicator(); });
  setInterval(function () { if (waiting()) flush(); }, 4000);

  // --- drawing the questions --------------------------------------------------------------
  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var readers = {}; // question key -> function returning the current response

  function choiceList(q, multiple, answer) {
    var box = make("div", { class: "exam-options", role: multiple ? "group" : "radiogroup", "aria-labelledby": "stem-" + q.key });
    q.body.options.forEach(function (option) {
      var id = "opt-" + q.key + "-" + option.id;
      var label = make("label", { for: id, class: "exam-option" });
      var input = make("input", { type: multiple ? "checkbox" : "radio", name: q.key, id: id, value: option.id });
      if (multiple ? (answer || []).indexOf(option.id) >= 0 : answer === option.id) input.checked = true;
      label.appendChild(input);
      label.appendChild(make("span", {}, option.text));
      box.appendChild(label);
    });
    readers[q.key] = function () {
      var checked = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
      return multiple ? checked : (checked[0] || null);
    };
    box.addEventListener("change", function () { record(q.key, readers[q.key]()); });
    return box;
  }

  function textInput(q, answer, multiline, numeric) {
    var id = "answer-" + q.key;
    var wrap = make("div", { class: "exam-text" });
    wrap.appendChild(make("label", { for: id, class: "visually-hidden" }, T.your_answer));
    var input = multiline ? make("textarea", { id: id, rows: "6" }) : make("input", { id: id, type: "text", autocomplete: "off" });
    if (numeric) input.setAttribute("inputmode", "decimal");
    input.value = answer == null ? "" : String(answer);
    wrap.appendChild(input);
    readers[q.key] = function () { return input.value === "" ? null : input.value; };
    input.addEventListener("input", function () { record(q.key, readers[q.key]()); });
    return wrap;
  }

  function trueFalse(q, answer) {
    var box = make("div", { class: "exam-options", role: "radiogroup", "aria-labelledby": "stem-" + q.key });
    [[true, T.true_], [false, T.false_]].forEach(function (pair) {
      var id = "opt-" + q.key + "-" + pair[0];
      var label = make("label", { for: id, class: "exam-option" });
      var input = make("input", { type: "radio", name: q.key, id: id, value: String(pair[0]) });
      if (answer === pair[0]) input.checked = true;
      label.appendChild(input);
      label.appendChild(make("span", {}, pair[1]));
      box.appendChild(label);
    });
    readers[q.key] = function () {
      var checked = box.querySelector("input:checked");
      return checked ? checked.value === "true" : null;
    };
    box.addEventListener("change", function () { record(q.key, readers[q.key]()); });
    return box;
  }

  function selectOf(id, options, value, labelText) {
    var select = make("select", { id: id, "aria-label": labelText });
    select.appendChild(make("option", { value: "" }, T.choose));
    options.forEach(function (option) {
      var node = make("option", { value: option.id }, option.text);
      if (value === option.id) node.selected = true;
      select.appendChild(node);
    });
    return select;
  }

  function matching(q, answer) {
    var box = make("div", { class: "exam-matching" });
    var selects = {};
    q.body.prompts.forEach(function (prompt) {
      var id = "match-" + q.key + "-" + prompt.id;
      var row = make("p", { class: "exam-match-row" });
      row.appendChild(make("label", { for: id }, prompt.text));
      selects[prompt.id] = selectOf(id, q.body.choices, (answer || {})[prompt.id], prompt.text);
      row.appendChild(selects[prompt.id]);
      box.appendChild(row);
    });
    readers[q.key] = function () {
      var out = {};
      Object.keys(selects).forEach(function (p) { if (selects[p].value) out[p] = selects[p].value; });
      return Object.keys(out).length ? out : null;
    };
    box.addEventListener("change", function () { record(q.key, readers[q.key]()); });
    return box;
  }

  function ordering(q, answer) {
    var byId = {};
    q.body.steps.forEach(function (s) { byId[s.id] = s; });
    var order = (answer && answer.length === q.body.steps.length) ? answer.slice() : q.body.steps.map(function (s) { return s.id; });
    var list = make("ol", { class: "exam-ordering" });
    function draw(focusId, dir) {
      list.textContent = "";
      order.forEach(function (id, index) {
        var item = make("li", {});
        item.appendChild(make("span", {}, byId[id].text));
        var up = make("button", { type: "button", class: "exam-move", "data-dir": "up", "aria-label": fmt(T.move_up, { text: byId[id].text }) }, "↑");
        var down = make("button", { type: "button", class: "exam-move", "data-dir": "down", "aria-label": fmt(T.move_down, { text: byId[id].text }) }, "↓");
        up.disabled = index === 0;
        down.disabled = index === order.length - 1;
        [up, down].forEach(function (button) {
          button.addEventListener("click", function () {
            var to = index + (button.dataset.dir === "up" ? -1 : 1);
            order.splice(to, 0, order.splice(index, 1)[0]);
            draw(id, button.dataset.dir);
            record(q.key, order.slice());
          });
          item.appendChild(button);
        });
        list.appendChild(item);
        if (id === focusId) setTimeout(function () { (dir === "up" ? up : down).disabled ? (dir === "up" ? down : up).focus() : (dir === "up" ? up : down).focus(); });
      });
    }
    draw();
    readers[q.key] = function () { return order.slice(); };
    return list;
  }

  function cloze(q, answer) {
    var box = make("p", { class: "exam-cloze" });
    var gaps = {};
    q.body.gaps.forEach(function (g) { gaps[g.id] = g; });
    var fields = {};
    String(q.body.text).split(/(\{\{[^}]+\}\})/).forEach(function (part) {
      var match = /^\{\{([^}]+)\}\}$/.exec(part);
      if (!match || !gaps[match[1]]) { box.appendChild(document.createTextNode(part)); return; }
      var gap = gaps[match[1]];
      var id = "gap-" + q.key + "-" + gap.id;
      var value = (answer || {})[gap.id];
      var field = gap.options ? selectOf(id, gap.options, value, fmt(T.gap, { n: gap.id })) : make("input", { id: id, type: "text", size: "10", "aria-label": fmt(T.gap, { n: gap.id }), autocomplete: "off" });
      if (!gap.options) field.value = value == null ? "" : String(value);
      fields[gap.id] = field;
      box.appendChild(field);
    });
    readers[q.key] = function () {
      var out = {};
      Object.keys(fields).forEach(function (g) { if (fields[g].value !== "") out[g] = fields[g].value; });
      return Object.keys(out).length ? out : null;
    };
    box.addEventListener("input", function () { record(q.key, readers[q.key]()); });
    box.addEventListener("change", function () { record(q.key, readers[q.key]()); });
    return box;
  }

  var lastSection = null;
  function drawQuestion(q, answer) {
    var item = make("li", { class: "exam-question", "data-question": q.key, "data-type": q.type });
    if (q.section && q.section !== lastSection) item.appendChild(make("h2", { class: "exam-section" }, q.section));
    lastSection = q.section;
    var stem = make("div", { class: "exam-stem", id: "stem-" + q.key });
    stem.innerHTML = q.stem; // cleaned by the server's rich-text whitelist when authored
    item.appendChild(stem);
    item.appendChild(make("p", { class: "exam-points" }, fmt(T.points, { n: q.points })));
    var widget;
    switch (q.type) {
      case "single_choice": widget = choiceList(q, false, answer); break;
      case "multiple_choice": widget = choiceList(q, true, answer); break;
      case "true_false": widget = trueFalse(q, answer); break;
      case "short_answer": widget = textInput(q, answer, false, false); break;
      case "numeric": widget = textInput(q, answer, false, true); break;
      case "essay": widget = textInput(q, answer, true, false); break;
      case "matching": widget = matching(q, answer); break;
      case "ordering": widget = ordering(q, answer); break;
      case "cloze": widget = cloze(q, answer); break;
      default: widget = make("p", { class: "exam-offline-task" }, T.not_online);
    }
    item.appendChild(widget);
    return item;
  }

  function lock() {
    Array.prototype.forEach.call(root.querySelectorAll("[data-questions] input, [data-questions] select, [data-questions] textarea, [data-questions] button, [data-submit]"), function (node) { node.disabled = true; });
    showIndicator();
  }

  function render(data) {
    state = data;
    if (data.save_token) saveToken = data.save_token;
    paused = !!data.paused;
    offset = Date.parse(data.server_now) - Date.now();
    el("[data-start]").hidden = data.status !== "prepared";
    el("[data-code-row]").hidden = !data.needs_access_code;
    var list = el("[data-questions]");
    list.textContent = "";
    readers = {};
    lastSection = null;
    // What the journal holds is newer than what the server confirmed; show it and replay it.
    var serverSeq = 0;
    Object.keys(data.answers).forEach(function (key) { serverSeq = Math.max(serverSeq, data.answers[key].seq); });
    journal.counter = Math.max(journal.counter, serverSeq);
    Object.keys(journal.entries).forEach(function (key) {
      var confirmed = data.answers[key];
      if (confirmed && confirmed.seq >= journal.entries[key].seq) delete journal.entries[key];
    });
    keepJournal();
    data.questions.forEach(function (q) {
      var local = journal.entries[q.key];
      var answer = local ? local.response : (data.answers[q.key] || {}).response;
      list.appendChild(drawQuestion(q, answer));
    });
    el("[data-actions]").hidden = data.status !== "in_progress";
    if (data.status === "submitted") {
      closed = true;
      lock();
      showResult(data);
    }
    showIndicator();
    if (data.status === "in_progress") flush();
  }

  function showResult(data) {
    var box = el("[data-result]");
    box.hidden = false;
    box.textContent = "";
    box.appendChild(make("h2", {}, T.submitted));
    var review = data.review;
    if (review && review.score !== undefined) {
      box.appendChild(make("p", { class: "exam-score" }, fmt(T.score, { score: review.score, max: review.max_score })));
    }
    el("[data-actions]").hidden = true;
  }

  // --- the clock ---------------------------------------------------------------------------
  var autoSubmitted = false;
  function tick() {
    if (paused) return; // the server stops the clock while the invigilator holds the attempt
    if (!state || !state.deadline || state.status !== "in_progress") { clock.textContent = state && state.status === "in_progress" ? "∞" : "--:--"; return; }
    var left = Math.max(0, Date.parse(state.deadline) - (Date.now() + offset));
    var s = Math.floor(left / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    clock.textContent = (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
    if (left === 0 && !autoSubmitted) { autoSubmitted = true; showMessage(T.time_up); submit(true); }
  }
  setInterval(tick, 500);

  // --- start and submit ---------------------------------------------------------------------
  el("[data-start]").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = el("#exam-access-code");
    request("POST", urls.start, { access_code: code ? code.value : "" }).then(function (result) {
      if (result.status === 200) { showMessage(""); render(result.data); }
      else showMessage(result.data.message || T.not_saved);
    }, function () { offline = true; showIndicator(); });
  });

  function submit(automatic) {
    return flush().then(function () {
      if (waiting()) {
        // Never submit over answers the server has not confirmed; the server's sweep
        // waits out the grace period for them too.
        showMessage(fmt(T.unconfirmed, { n: waiting() }));
        if (automatic) setTimeout(function () { submit(true); }, 3000);
        return;
      }
      return request("POST", urls.submit, {}).then(function (result) {
        if (result.status === 200) {
          closed = true;
          state.status = "submitted";
          lock();
          showMessage("");
          showResult(result.data);
        } else {
          showMessage(result.data.message || T.not_saved);
        }
      });
    }).catch(function () { offline = true; showIndicator(); if (automatic) setTimeout(function () { submit(true); }, 3000); });
  }

  el("[data-submit]").addEventListener("click", function () {
    if (window.confirm(T.confirm_submit)) submit(false);
  });

  // --- go ----------------------------------------------------------------------------------
  function load() {
    request("GET", urls.state).then(function (result) {
      if (result.status === 200) render(result.data);
      else showMessage(result.data.message || T.not_saved);
    }, function () { offline = true; showIndicator(); setTimeout(load, 3000); });
  }
  load();
})();
