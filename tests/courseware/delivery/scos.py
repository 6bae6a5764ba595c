"""Playable SCORM packages whose SCOs' own JavaScript calls the API, for the player tests."""

from __future__ import annotations

from tests.courseware.packages import SCORM2004_NS, scorm12_manifest

# Finds the API the way content does (window, then its parents, then the opener), and
# exposes small helpers the browser test calls as a learner's clicks would.
SCO12_JS = """
function findAPI(win) {
  for (var i = 0; win && i < 10; i++) {
    if (win.API) return win.API;
    if (win.parent === win) break;
    win = win.parent;
  }
  return window.opener && window.opener.API;
}
var api = findAPI(window);
var started = api.LMSInitialize("") === "true";
document.getElementById("state").textContent = JSON.stringify({
  started: started,
  entry: api.LMSGetValue("cmi.core.entry"),
  location: api.LMSGetValue("cmi.core.lesson_location"),
  suspendLength: api.LMSGetValue("cmi.suspend_data").length,
  suspendTail: api.LMSGetValue("cmi.suspend_data").slice(-12),
  student: api.LMSGetValue("cmi.core.student_id")
});
window.learnerSaves = function (location, suspendData, score, status) {
  api.LMSSetValue("cmi.core.lesson_location", location);
  api.LMSSetValue("cmi.suspend_data", suspendData);
  api.LMSSetValue("cmi.core.score.raw", String(score));
  api.LMSSetValue("cmi.core.lesson_status", status);
  api.LMSSetValue("cmi.core.exit", "suspend");
  api.LMSSetValue("cmi.core.session_time", "00:01:30");
  return api.LMSCommit("");
};
window.learnerLeaves = function () { return api.LMSFinish(""); };
"""

SCO2004_JS = """
function findAPI(win) {
  for (var i = 0; win && i < 10; i++) {
    if (win.API_1484_11) return win.API_1484_11;
    if (win.parent === win) break;
    win = win.parent;
  }
  return window.opener && window.opener.API_1484_11;
}
var api = findAPI(window);
var started = api.Initialize("") === "true";
document.getElementById("state").textContent = JSON.stringify({
  started: started,
  entry: api.GetValue("cmi.entry"),
  location: api.GetValue("cmi.location"),
  suspendLength: api.GetValue("cmi.suspend_data").length,
  suspendTail: api.GetValue("cmi.suspend_data").slice(-12),
  title: document.title
});
window.learnerSaves = function (location, suspendData, scaled, completion, success) {
  api.SetValue("cmi.location", location);
  api.SetValue("cmi.suspend_data", suspendData);
  api.SetValue("cmi.score.scaled", String(scaled));
  api.SetValue("cmi.completion_status", completion);
  api.SetValue("cmi.success_status", success);
  api.SetValue("cmi.exit", "suspend");
  api.SetValue("cmi.session_time", "PT1M30S");
  return api.Commit("");
};
window.learnerNavigates = function (request) {
  api.SetValue("adl.nav.request", request);
  return api.Terminate("");
};
"""


def sco_page(title: str, script: str) -> str:
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><pre id="state">loading</pre><script src="sco.js"></script></body></html>"""


def scorm12_playable() -> dict[str, str]:
    """One SCORM 1.2 SCO that initializes, reads and writes through `window.parent.API`."""
    manifest = scorm12_manifest(
        """
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>An toàn điện</title>
      <item identifier="ITEM1" identifierref="RES1"><title>Bài 1: Dụng cụ</title>
        <adlcp:masteryscore>70</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="sco.js"/>
    </resource>
  </resources>"""
    )
    return {
        "imsmanifest.xml": manifest,
        "index.html": sco_page("Bài 1: Dụng cụ", SCO12_JS),
        "sco.js": SCO12_JS,
    }


def scorm2004_two_scos() -> dict[str, str]:
    """Two SCORM 2004 SCOs in flow and choice, each calling `API_1484_11`."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.flow" version="1" {SCORM2004_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Hàn cơ bản</title>
      <item identifier="SCO1" identifierref="RES1"><title>Bài 1: Chuẩn bị</title></item>
      <item identifier="SCO2" identifierref="RES2"><title>Bài 2: Mối hàn</title></item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="one/index.html">
      <file href="one/index.html"/><file href="one/sco.js"/>
    </resource>
    <resource identifier="RES2" type="webcontent" adlcp:scormType="sco" href="two/index.html">
      <file href="two/index.html"/><file href="two/sco.js"/>
    </resource>
  </resources>
</manifest>"""
    return {
        "imsmanifest.xml": manifest,
        "one/index.html": sco_page("Bài 1: Chuẩn bị", SCO2004_JS),
        "one/sco.js": SCO2004_JS,
        "two/index.html": sco_page("Bài 2: Mối hàn", SCO2004_JS),
        "two/sco.js": SCO2004_JS,
    }
