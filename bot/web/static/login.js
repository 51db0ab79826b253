/* The sign-in page of the streamer console and the operator pages: its words in the page language. */
"use strict";

addStrings({
  zh: {
    "login.wrong": "令牌错误。",
    "login.needs.streamer": "此页面需要主播令牌。",
    "login.needs.operator": "此页面需要运营令牌。",
    "login.token.streamer": "主播令牌",
    "login.token.operator": "运营令牌",
    "login.open": "打开",
  },
  en: {
    "login.wrong": "Wrong token.",
    "login.needs.streamer": "This page needs the streamer token.",
    "login.needs.operator": "This page needs the operator token.",
    "login.token.streamer": "streamer token",
    "login.token.operator": "operator token",
    "login.open": "Open",
  },
});

// a refused `?token=` leaves the address bar (and the history entry): it may be a real token mistyped
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);
document.getElementById("lang").append(langSwitch());
applyI18n();
