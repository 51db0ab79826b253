/* Small helpers shared by the pages. Every text a page shows goes through textContent, never innerHTML. */
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// the shelf's currency (the catalog's `currency`), which a page learns from the server: prices in
// yuan are "¥89", in any other currency "USD 28"
let shelfCurrency = "CNY";
function useCurrency(code) {
  if (typeof code === "string" && code) shelfCurrency = code;
}

function money(value) {
  if (value === null || value === undefined) return "";
  const amount = Number(value).toFixed(2).replace(/\.00$/, "");
  return shelfCurrency === "CNY" ? "¥" + amount : shelfCurrency + " " + amount;
}

// a product's prices by version (`prices`), each with its price: "1.5米 ¥2599 · 1.8米 ¥2899";
// `names`: what to call a version instead (its English name, on an English page)
function versionPrices(prices, names) {
  return Object.entries(prices || {}).map(([v, a]) => ((names || {})[v] || v) + " " + money(a)).join(" · ");
}

// a time of day; of another day than today, with its date (the review list spans shows and days)
function when(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleDateString() + " " + d.toLocaleTimeString();
}

function emitAck(socket, event, payload) {
  return new Promise((resolve) => {
    socket.timeout(10000).emit(event, payload, (err, ack) => {
      resolve(err ? { ok: false, error: { code: "timeout", message: "no answer from the server" } } : ack);
    });
  });
}

/* The page language (中文 / English): kept in localStorage, switched by langSwitch(). Each page adds its
   own strings with addStrings({zh: {...}, en: {...}}); t(key, vars) reads one ("{n}" filled from vars);
   elements marked data-i18n="key" (data-i18n-placeholder / data-i18n-title for attributes; data-i18n-vars
   a JSON object of the key's {names}) are filled by applyI18n(). A page re-renders what it drew itself in onLangChange(). */
const I18N = { zh: {}, en: {} };
const langListeners = [];
let LANG = (() => {
  try {
    const saved = localStorage.getItem("cohost.lang");
    if (saved === "zh" || saved === "en") return saved;
  } catch (e) { /* storage blocked: fall back to the browser's language */ }
  return (navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en";
})();

function addStrings(table) {
  for (const lang of ["zh", "en"]) Object.assign(I18N[lang], table[lang] || {});
}

function t(key, vars) {
  const text = I18N[LANG][key] ?? I18N.zh[key] ?? I18N.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
}

function applyI18n(root) {
  const scope = root || document;
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  for (const node of scope.querySelectorAll("[data-i18n]"))
    node.textContent = t(node.dataset.i18n, node.dataset.i18nVars ? JSON.parse(node.dataset.i18nVars) : null);
  for (const node of scope.querySelectorAll("[data-i18n-placeholder]"))
    node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
  for (const node of scope.querySelectorAll("[data-i18n-title]")) node.setAttribute("title", t(node.dataset.i18nTitle));
}

function onLangChange(listener) {
  langListeners.push(listener);
}

function setLang(lang) {
  LANG = lang === "en" ? "en" : "zh";
  try {
    localStorage.setItem("cohost.lang", LANG);
  } catch (e) { /* not kept: this page view only */ }
  applyI18n();
  for (const listener of langListeners) listener(LANG);
}

/* A 中文 / English switch: a button showing the other language. */
function langSwitch() {
  const button = el("button", { type: "button", class: "lang-switch", "data-testid": "lang-switch" });
  const label = () => (button.textContent = LANG === "zh" ? "English" : "中文");
  label();
  button.addEventListener("click", () => {
    setLang(LANG === "zh" ? "en" : "zh");
    label();
  });
  return button;
}

/* A server's refusal ({code, message}) in the page's language: the page's text "<prefix><code>" when it
   has one, else the server's message (English, but it names the problem). A text holding "{message}"
   adds the server's detail, for a code as broad as bad_payload ("请求有误：stock: ..."). */
addStrings({ zh: { "common.refused": "服务器没有完成这个操作（没有说明原因）" }, en: { "common.refused": "the server did not do this (it gave no reason)" } });

function errorKey(error, prefix) { // the page's key for the refusal, or null when it has none
  const key = prefix + ((error && error.code) || "");
  return error && error.code && t(key) !== key ? key : null;
}

function errorText(error, prefix = "err.") {
  const key = errorKey(error, prefix);
  if (key) return t(key, { message: error.message || error.code });
  return (error && (error.message || error.code)) || t("common.refused");
}

// `node` says the page text `key` ({names} from `vars`), marked so that applyI18n says it again when
// the language changes
function sayIn(node, key, vars) {
  node.dataset.i18n = key;
  if (vars) node.dataset.i18nVars = JSON.stringify(vars); else delete node.dataset.i18nVars;
  node.textContent = t(key, vars);
  return node;
}

// errorText put in `node`: in the page's words (said again in a new language) when it has them
function showError(node, error, prefix = "err.") {
  const key = errorKey(error, prefix);
  if (key) return sayIn(node, key, { message: error.message || error.code });
  delete node.dataset.i18n;
  delete node.dataset.i18nVars;
  node.textContent = errorText(error, prefix);
  return node;
}
