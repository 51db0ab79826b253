/* The analytics page under /ops is drawn by the server in one language (?lang=zh|en): this adds the
   中文 / English switch and asks for the page again in the language the switch (or an earlier visit
   to any page) set. */
"use strict";

(function () {
  const drawn = document.documentElement.dataset.lang;
  const asked = new URL(location.href).searchParams.get("lang");
  if (asked === "zh" || asked === "en") {
    if (asked !== LANG) setLang(asked); // a link with ?lang= decides, and is kept for the other pages
  } else if (drawn !== LANG) {
    const url = new URL(location.href);
    url.searchParams.set("lang", LANG);
    location.replace(url);
    return;
  }
  document.getElementById("lang").append(langSwitch());
  onLangChange((lang) => {
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    location.assign(url);
  });
})();
