/* A SCORM 1.2 SCO: pages, a check, resume where the learner left. */
(function () {
  "use strict";
  var KEY = { q1: "b", q2: "a", q3: "a" };
  var started = Date.now();
  var api = findAPI(window);
  var page = 1;
  var answers = {};

  function findAPI(win) {
    for (var hops = 0; win && hops < 10; hops++) {
      try { if (win.API) { return win.API; } } catch (e) { /* another origin */ }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    try { return window.opener && window.opener.API ? window.opener.API : null; } catch (e) { return null; }
  }
  function get(name) { return api ? String(api.LMSGetValue(name)) : ""; }
  function set(name, value) { if (api) { api.LMSSetValue(name, String(value)); } }
  function say(text) { document.getElementById("status").textContent = text; }
  function sessionTime() {
    var s = Math.round((Date.now() - started) / 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  }
  function show(n) {
    page = Math.max(1, Math.min(4, n));
    document.querySelectorAll(".page").forEach(function (section) {
      section.hidden = Number(section.dataset.page) !== page;
    });
    document.getElementById("prev").disabled = page === 1;
    document.getElementById("next").disabled = page === 4;
    set("cmi.core.lesson_location", page);
    if (get("cmi.core.lesson_status") === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
    save();
  }
  function save() {
    set("cmi.suspend_data", JSON.stringify({ page: page, answers: answers }));
    set("cmi.core.session_time", sessionTime());
    if (api) { api.LMSCommit(""); }
  }

  if (api && api.LMSInitialize("") === "true") {
    say(get("cmi.core.entry") === "resume" ? "Tiếp tục từ lần học trước." : "Bắt đầu bài học.");
    try {
      var saved = JSON.parse(get("cmi.suspend_data") || "{}");
      answers = saved.answers || {};
      page = Number(get("cmi.core.lesson_location")) || saved.page || 1;
    } catch (e) { answers = {}; }
  } else {
    say("Không tìm thấy hệ thống học tập: tiến độ sẽ không được lưu.");
  }
  Object.keys(answers).forEach(function (name) {
    var input = document.querySelector('input[name="' + name + '"][value="' + answers[name] + '"]');
    if (input) { input.checked = true; }
  });

  document.getElementById("prev").addEventListener("click", function () { show(page - 1); });
  document.getElementById("next").addEventListener("click", function () { show(page + 1); });
  document.getElementById("quiz").addEventListener("change", function (event) {
    answers[event.target.name] = event.target.value;
    save();
  });
  document.getElementById("quiz").addEventListener("submit", function (event) {
    event.preventDefault();
    var right = Object.keys(KEY).filter(function (name) { return answers[name] === KEY[name]; }).length;
    var score = Math.round(100 * right / Object.keys(KEY).length);
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", score);
    set("cmi.core.lesson_status", score >= 80 ? "passed" : "failed");
    save();
    document.getElementById("result").textContent =
      "Điểm: " + score + "/100 — " + (score >= 80 ? "Đạt" : "Chưa đạt, hãy xem lại bài");
  });
  window.addEventListener("pagehide", function () {
    if (!api) { return; }
    set("cmi.core.exit", get("cmi.core.lesson_status") === "passed" ? "" : "suspend");
    save();
    api.LMSFinish("");
  });
  show(page);
})();
