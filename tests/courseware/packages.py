"""Content packages built in code: well-formed ones of every kind, and hostile archives."""

from __future__ import annotations

import io
import stat
import struct
import zipfile

HTML = b"<!doctype html><html><body><script src='api.js'></script>SCO</body></html>"

SCORM12_NS = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
SCORM2004_NS = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)


def zip_bytes(files: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding `files` (name → content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def scorm12_manifest(body: str, version: str = "1.2") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.scorm12" version="1.1" {SCORM12_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  {body}
</manifest>"""


def scorm12_single() -> dict[str, bytes | str]:
    """One SCO, SCORM 1.2."""
    manifest = scorm12_manifest(
        """
  <organizations default="TOC1">
    <organization identifier="TOC1">
      <title>An toàn điện</title>
      <item identifier="ITEM1" identifierref="RES1"><title>Bài 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="api.js"/>
    </resource>
  </resources>"""
    )
    return {"imsmanifest.xml": manifest, "index.html": HTML, "api.js": "// api"}


def scorm12_multi() -> dict[str, bytes | str]:
    """Three SCOs in two levels with prerequisites, mastery score, time limit; a second organization."""
    manifest = scorm12_manifest(
        """
  <organizations default="TOC1">
    <organization identifier="TOC1">
      <title>Điện cơ bản</title>
      <item identifier="I1" identifierref="R1">
        <title>Bài 1</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>exit,message</adlcp:timelimitaction>
        <adlcp:datafromlms>level=1</adlcp:datafromlms>
      </item>
      <item identifier="I2" identifierref="R2">
        <title>Bài 2</title>
        <adlcp:prerequisites type="aicc_script">I1</adlcp:prerequisites>
      </item>
      <item identifier="CH">
        <title>Chương 2</title>
        <item identifier="I3" identifierref="R3" isvisible="false" parameters="?page=2">
          <title>Bài 3</title>
          <adlcp:prerequisites type="aicc_script">I1 &amp; I2</adlcp:prerequisites>
        </item>
      </item>
    </organization>
    <organization identifier="TOC2">
      <title>Ôn tập</title>
      <item identifier="J1" identifierref="R1"><title>Bài 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="sco1/index.html">
      <file href="sco1/index.html"/><dependency identifierref="COMMON"/>
    </resource>
    <resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="sco2/index.html">
      <file href="sco2/index.html"/>
    </resource>
    <resource identifier="R3" type="webcontent" adlcp:scormtype="asset" href="sco3/page.html">
      <file href="sco3/page.html"/>
    </resource>
    <resource identifier="COMMON" type="webcontent" adlcp:scormtype="asset">
      <file href="common/api.js"/>
    </resource>
  </resources>"""
    )
    return {
        "imsmanifest.xml": manifest,
        "sco1/index.html": HTML,
        "sco2/index.html": HTML,
        "sco3/page.html": HTML,
        "common/api.js": "// api",
    }


def scorm2004_sequenced(edition: str = "4th") -> dict[str, bytes | str]:
    """Two SCOs in a forward-only module with rules, rollup, global objectives and randomization."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.seq" version="2.0" {SCORM2004_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 {edition} Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG" adlseq:objectivesGlobalToSystem="false">
      <title>Khóa học có trình tự</title>
      <item identifier="MOD1">
        <title>Mô-đun 1</title>
        <item identifier="SCO1" identifierref="RES1" parameters="?lesson=1">
          <title>Bài 1</title>
          <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"/>
          <imsss:sequencing IDRef="common">
            <imsss:limitConditions attemptLimit="3" attemptAbsoluteDurationLimit="PT1H30M"/>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="obj-l1" satisfiedByMeasure="true">
                <imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure>
                <imsss:mapInfo targetObjectiveID="urn:taynghe:l1" readSatisfiedStatus="true"
                               writeSatisfiedStatus="true"/>
              </imsss:primaryObjective>
            </imsss:objectives>
          </imsss:sequencing>
          <adlnav:presentation>
            <adlnav:navigationInterface>
              <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
              <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
            </adlnav:navigationInterface>
          </adlnav:presentation>
        </item>
        <item identifier="SCO2" identifierref="RES2">
          <title>Bài 2</title>
          <imsss:sequencing>
            <imsss:sequencingRules>
              <imsss:preConditionRule>
                <imsss:ruleConditions conditionCombination="any">
                  <imsss:ruleCondition referencedObjective="prev" operator="not"
                                       condition="satisfied"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="disabled"/>
              </imsss:preConditionRule>
              <imsss:exitConditionRule>
                <imsss:ruleConditions>
                  <imsss:ruleCondition condition="completed"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="exit"/>
              </imsss:exitConditionRule>
              <imsss:postConditionRule>
                <imsss:ruleConditions>
                  <imsss:ruleCondition condition="objectiveMeasureGreaterThan"
                                       measureThreshold="0.5"/>
                </imsss:ruleConditions>
                <imsss:ruleAction action="continue"/>
              </imsss:postConditionRule>
            </imsss:sequencingRules>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="obj-l2"/>
              <imsss:objective objectiveID="prev">
                <imsss:mapInfo targetObjectiveID="urn:taynghe:l1" readSatisfiedStatus="true"/>
              </imsss:objective>
            </imsss:objectives>
            <adlseq:objectives>
              <adlseq:objective objectiveID="obj-l2">
                <adlseq:mapInfo targetObjectiveID="urn:taynghe:l2-raw" writeRawScore="true"/>
              </adlseq:objective>
            </adlseq:objectives>
          </imsss:sequencing>
        </item>
        <imsss:sequencing>
          <imsss:controlMode choice="false" flow="true" forwardOnly="true"/>
          <imsss:rollupRules objectiveMeasureWeight="1.0">
            <imsss:rollupRule childActivitySet="atLeastCount" minimumCount="1">
              <imsss:rollupConditions conditionCombination="any">
                <imsss:rollupCondition condition="satisfied"/>
              </imsss:rollupConditions>
              <imsss:rollupAction action="satisfied"/>
            </imsss:rollupRule>
          </imsss:rollupRules>
          <imsss:randomizationControls randomizationTiming="onEachNewAttempt" selectCount="1"
              reorderChildren="true" selectionTiming="onEachNewAttempt"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="l1/index.html">
      <file href="l1/index.html"/><dependency identifierref="SHARED"/>
    </resource>
    <resource identifier="RES2" type="webcontent" adlcp:scormType="sco" xml:base="l2/"
              href="start.html">
      <file href="start.html"/>
    </resource>
    <resource identifier="SHARED" type="webcontent" adlcp:scormType="asset">
      <file href="shared/api.js"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="common">
      <imsss:deliveryControls tracked="true" completionSetByContent="true"
                              objectiveSetByContent="true"/>
      <imsss:limitConditions attemptLimit="1"/>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>"""
    return {
        "imsmanifest.xml": manifest,
        "l1/index.html": HTML,
        "l2/start.html": HTML,
        "shared/api.js": "// api",
    }


def cmi5_course() -> dict[str, bytes | str]:
    """A cmi5 course: one local AU and a block holding a remote AU."""
    structure = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://taynghe.example/course/1">
    <title><langstring lang="vi-VN">Khóa cmi5</langstring></title>
    <description><langstring lang="vi-VN">Mô tả</langstring></description>
  </course>
  <au id="https://taynghe.example/au/1" moveOn="CompletedAndPassed" masteryScore="0.7"
      launchMethod="OwnWindow">
    <title><langstring lang="vi-VN">Bài 1</langstring></title>
    <description><langstring lang="vi-VN">AU 1</langstring></description>
    <url>au1/index.html</url>
    <launchParameters>{"mode": "practice"}</launchParameters>
  </au>
  <block id="https://taynghe.example/block/1">
    <title><langstring lang="vi-VN">Phần 2</langstring></title>
    <description><langstring lang="vi-VN">Khối</langstring></description>
    <au id="https://taynghe.example/au/2">
      <title><langstring lang="vi-VN">Bài 2</langstring></title>
      <description><langstring lang="vi-VN">AU 2</langstring></description>
      <url>https://content.taynghe.example/au2/</url>
    </au>
  </block>
</courseStructure>"""
    return {"cmi5.xml": structure, "au1/index.html": HTML}


def web_content() -> dict[str, bytes | str]:
    return {"index.html": HTML, "css/site.css": "body{}", "img/logo.svg": "<svg/>"}


def common_cartridge() -> dict[str, bytes | str]:
    """A Common Cartridge 1.1 with a page, a web link and a quiz."""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc-1" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion></metadata>
  <organizations>
    <organization identifier="O1" structure="rooted-hierarchy">
      <item identifier="LearningModules">
        <item identifier="M1">
          <title>Tuần 1</title>
          <item identifier="I1" identifierref="R1"><title>Bài đọc</title></item>
          <item identifier="I2" identifierref="R2"><title>Liên kết</title></item>
          <item identifier="I3" identifierref="R3"><title>Kiểm tra</title></item>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R1" type="webcontent" href="week1/reading.html">
      <file href="week1/reading.html"/>
    </resource>
    <resource identifier="R2" type="imswl_xmlv1p1"><file href="links/l1.xml"/></resource>
    <resource identifier="R3" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">
      <file href="quiz/assessment.xml"/>
    </resource>
  </resources>
</manifest>"""
    link = """<?xml version="1.0" encoding="UTF-8"?>
<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1">
  <title>Bộ LĐTBXH</title><url href="https://example.org/page" target="_blank"/>
</webLink>"""
    return {
        "imsmanifest.xml": manifest,
        "week1/reading.html": HTML,
        "links/l1.xml": link,
        "quiz/assessment.xml": "<questestinterop/>",
    }


# Hostile archives ------------------------------------------------------------------------


def with_entry(files: dict, name: str, content: bytes | str = b"x") -> bytes:
    """A good package plus one extra entry written under an arbitrary (unsafe) name."""
    return zip_bytes({**files, name: content})


def with_symlink(files: dict, name: str = "link", target: str = "/etc/passwd") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry, content in files.items():
            archive.writestr(entry, content)
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buffer.getvalue()


def _patch_central(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of `name`'s central directory record (what readers trust)."""
    data = bytearray(data)
    encoded = name.encode()
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:
        length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + length]) == encoded:
            struct.pack_into(fmt, data, position + offset, value)
            return bytes(data)
        position += 4
    raise AssertionError(name)


def with_encrypted(files: dict, name: str = "secret.html") -> bytes:
    """A package with one entry flagged as encrypted (general purpose bit 0)."""
    data = zip_bytes({**files, name: b"\x00" * 32})
    return _patch_central(data, name, 8, "<H", 0x1)


def with_lying_size(files: dict, name: str) -> bytes:
    """The archive with `name`'s declared uncompressed size cut to 1 byte."""
    return _patch_central(zip_bytes(files, compression=zipfile.ZIP_STORED), name, 24, "<I", 1)


XXE_MANIFEST = """<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="x"><metadata><schemaversion>&xxe;</schemaversion></metadata></manifest>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<manifest identifier="x"><metadata><schemaversion>&lol3;</schemaversion></metadata></manifest>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE manifest SYSTEM "http://attacker.example/evil.dtd">
<manifest identifier="x"/>"""
