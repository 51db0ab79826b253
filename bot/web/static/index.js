/* The room list: its few labels in the page language, with the 中文 / English switch. */
"use strict";

addStrings({
  zh: { "index.rooms": "直播间", "index.console": "主播控制台：/console/<直播间>", "index.ops": "运营审核：" },
  en: { "index.rooms": "Rooms", "index.console": "Streamer console: /console/<room>", "index.ops": "Operator review: " },
});
document.getElementById("lang").append(langSwitch());
applyI18n();
