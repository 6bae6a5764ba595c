/* A SCORM 2004 SCO shared by the lessons (pages) and the test (a form). */
(function () {
  "use strict";
  var started = Date.now();
  var api = findAPI(window);

  function findAPI(win) {
    for (var hops = 0; win && hops < 10; hops++) {
      try { if (win.API_1484_11) { return win.API_1484_11; } } catch (e) { /* another origin */ }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    try { return window.opener && window.opener.API_1484_11 ? window.opener.API_1484_11 : null; } catch (e) { return null; }
  }
  function get(name) { return api ? String(api.GetValue(name)) : ""; }
  function set(name, value) { if (api) { api.SetValue(name, String(value)); } }
  function say(text) { document.getElementById("status").textContent = text; }
  function duration() { return "PT" + Math.round((Date.now() - started) / 1000) + "S"; }
  function commit() { set("cmi.session_time", duration()); if (api) { api.Commit(""); } }

  if (api && api.Initialize("") === "true") {
    say(get("cmi.entry") === "resume" ? "Tiếp tục từ lần học trước." : "");
  } else {
    say("Không tìm thấy hệ thống học tập: tiến độ sẽ không được lưu.");
  }

  var lesson = document.querySelector('[data-kind="lesson"]');
  if (lesson) {
    var pages = lesson.querySelectorAll(".page");
    var page = Number(get("cmi.location")) || 1;
    var show = function (n) {
      page = Math.max(1, Math.min(pages.length, n));
      pages.forEach(function (section) { section.hidden = Number(section.dataset.page) !== page; });
      document.getElementById("prev").disabled = page === 1;
      document.getElementById("next").textContent = page === pages.length ? "Bài tiếp theo" : "Trang sau";
      set("cmi.location", page);
      set("cmi.progress_measure", (page / pages.length).toFixed(2));
      if (page === pages.length) {
        set("cmi.completion_status", "completed");
        set("cmi.success_status", "passed");
      } else if (get("cmi.completion_status") !== "completed") {
        set("cmi.completion_status", "incomplete");
      }
      commit();
    };
    document.getElementById("prev").addEventListener("click", function () { show(page - 1); });
    document.getElementById("next").addEventListener("click", function () {
      if (page < pages.length) { show(page + 1); return; }
      set("adl.nav.request", "continue");
      set("cmi.exit", "normal");
      commit();
      api && api.Terminate("");
    });
    show(page);
  }

  var quiz = document.querySelector('[data-kind="test"]');
  if (quiz) {
    var key = {};
    quiz.dataset.key.split(";").forEach(function (pair) { var p = pair.split("="); key[p[0]] = p[1]; });
    quiz.addEventListener("submit", function (event) {
      event.preventDefault();
      var names = Object.keys(key);
      var right = names.filter(function (name) {
        var chosen = quiz.querySelector('input[name="' + name + '"]:checked');
        return chosen && chosen.value === key[name];
      }).length;
      var scaled = right / names.length;
      set("cmi.score.min", 0);
      set("cmi.score.max", names.length);
      set("cmi.score.raw", right);
      set("cmi.score.scaled", scaled.toFixed(2));
      set("cmi.completion_status", "completed");
      set("cmi.success_status", scaled >= 0.8 ? "passed" : "failed");
      commit();
      document.getElementById("result").textContent =
        "Kết quả: " + right + "/" + names.length + " — " + (scaled >= 0.8 ? "Đạt" : "Chưa đạt");
    });
  }

  window.addEventListener("pagehide", function () {
    if (!api || get("cmi.completion_status") === "") { return; }
    if (get("cmi.exit") === "") { set("cmi.exit", "suspend"); }
    commit();
    api.Terminate("");
  });
})();
