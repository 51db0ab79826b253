/* Operator review: every logged Q&A with filters; mark an answer wrong and write the right one (it
   becomes an FAQ entry of the product, live at once); label what a comment is and which entry answers
   it (the labels become training data: `cohost export-labels`); CSV export; what the bot learned
   (operators' answers, taught wordings), each removable. A room closed now is reviewed against the
   shelf the log stored last (the room opens on it with what was labelled and corrected meanwhile).
   Auth: the HttpOnly cookie.
   Every label goes through t() (中文 / English switch); products are named, never shown by id. */
"use strict";

addStrings({
  zh: {
    "ops.heading": "运营审核", "ops.room": "直播间", "ops.all": "全部", "ops.from": "从", "ops.to": "到",
    "ops.kind": "类型", "ops.kind.review": "提问与投诉", "ops.kind.question": "提问", "ops.kind.all": "全部评论", "ops.kind.answer": "已回答",
    "ops.kind.escalate": "转主播", "ops.kind.purchase": "购买", "ops.kind.chat": "闲聊", "ops.kind.complaint": "投诉",
    "ops.kind.filtered": "已过滤", "ops.minConf": "置信度 ≥", "ops.maxConf": "置信度 ≤", "ops.status": "状态", "ops.any": "任意",
    "ops.feedback": "观众反馈", "ops.fb.anyOrNone": "有无均可", "ops.fb.down": "答错了", "ops.fb.up": "有用",
    "ops.fb.some": "有反馈", "ops.fb.none": "无反馈", "ops.fb.corrected": "已纠正", "ops.filter": "筛选",
    "ops.csv": "导出 CSV", "ops.logged": "问答记录", "ops.col.time": "时间", "ops.col.room": "直播间",
    "ops.col.viewer": "观众", "ops.col.comment": "评论", "ops.col.kind": "类型", "ops.col.conf": "置信度",
    "ops.col.answer": "回答", "ops.col.status": "状态", "ops.col.feedback": "反馈", "ops.analytics": "数据分析：",
    "ops.guess": "猜测：{text}", "ops.corrected": "已纠正为：{text}", "ops.up": "有用 {n}", "ops.down": "答错了 {n}",
    "ops.markWrong": "标记答错", "ops.rightAnswerFor": "正确回答：", "ops.about": "商品：",
    "ops.rightAnswer": "正确的回答", "ops.saveFaq": "存为常见问题", "ops.saved": "已存为 {faq}，机器人以后这样回答",
    "ops.loaded": "已加载 {time}", "ops.link": "{link}号", "ops.needAnswer": "先写下正确的回答",
    "ops.err.unknown_comment": "日志里没有这条评论（观众要求删除后也会这样）",
    "ops.err.unknown_product": "货架上没有这个商品", "ops.err.not_learned": "这一条已经不在了（可能别人刚删掉）",
    "ops.err.unknown_room": "这个直播间现在没开，日志里也没有存下它的货架，没法标注或纠正", "ops.closedRooms": "现在没开的直播间",
    "ops.noShelf": "没存下货架，无法标注", "ops.notOpen": "（现在没开）",
    "ops.savedClosed": "已存为 {faq}，直播间下次开播起机器人这样回答",
    "ops.taughtClosed": "；直播间下次开播起，这样问的评论由它回答",
    "ops.err.changed_since": "你打开之后，别人改了这条评论的标注或纠正，这次没有保存。这一行已显示它现在的样子，你填的内容还在：核对后再点保存会替换它",
    "ops.err.unauthorized": "运营令牌不对或已更换，请重新登录",
    "ops.err.bad_payload": "请求有误：{message}", "ops.err.bad_label": "这个标注不成立：{message}",
    "ops.err.request_timeout": "请求没有及时送到服务器，没有保存；请再试一次",
    "ops.err.internal_error": "服务器处理出错（已记录），请再试一次",
    "ops.err.offline": "连不上服务器，没有保存；连上后再试一次", "ops.err.http": "服务器出错（HTTP {message}），请再试一次",
    "ops.more": "只列出最新的 {n} 条，缩小筛选范围可看更早的",
    "ops.formsAway": "{n} 个打开的表单所在的评论不在这次列表里：再列出时带着填的内容打开",
    "ops.chooseEntry": "（选一项）", "ops.needEntry": "先选由哪项回答", "ops.needProduct": "先选这条回答说的是哪个商品",
    "ops.otherProduct": "；注意：机器人把这条评论当成了{bot}；观众说明是{chosen}（或它正在讲解）时才会这样回答",
    "ops.fb.labelled": "已标注", "ops.fb.unlabelled": "未标注", "ops.label": "标注", "ops.labelAs": "这条评论是：",
    "ops.entry": "由哪项回答：", "ops.saveLabel": "保存标注", "ops.labelSaved": "已保存标注", "ops.labelled": "标注：{text}",
    "ops.unlabel": "删除标注", "ops.unlabelled": "已删除标注",
    "ops.learned": "机器人学到的", "ops.learnedHint": "运营写的回答和标注教会的说法，按商品列出；删掉一条，机器人从下一条评论起就不再这样答。",
    "ops.col.product": "商品", "ops.col.learned": "学到的", "ops.learnedAnswer": "运营回答：问“{q}” 答“{a}”",
    "ops.learnedWording": "说法“{wording}” → {entry}", "ops.remove": "删除", "ops.removed": "已删除",
    "label.answer": "货架能答", "label.escalate": "货架答不了", "label.purchase": "购买", "label.chat": "闲聊", "label.complaint": "投诉",
    "status.answered": "机器人已答", "status.escalated": "待主播", "status.streamer_answered": "主播已答",
    "status.dismissed": "已忽略", "status.expired": "超时未答",
    "status.queue_full": "未进队列（该观众待答已满）", "status.unsent": "未发出", "status.filtered": "已过滤",
    "status.maybe_complaint": "可能是售后问题（请查看）", "status.other": "其他",
  },
  en: {
    "ops.heading": "Operator review", "ops.room": "room", "ops.all": "all", "ops.from": "from", "ops.to": "to",
    "ops.kind": "kind", "ops.kind.review": "questions and complaints", "ops.kind.question": "questions", "ops.kind.all": "all comments", "ops.kind.answer": "answer",
    "ops.kind.escalate": "escalate", "ops.kind.purchase": "purchase", "ops.kind.chat": "chat", "ops.kind.complaint": "complaint",
    "ops.kind.filtered": "filtered", "ops.minConf": "confidence ≥", "ops.maxConf": "confidence ≤", "ops.status": "status", "ops.any": "any",
    "ops.feedback": "viewer feedback", "ops.fb.anyOrNone": "any or none", "ops.fb.down": "thumbs down", "ops.fb.up": "thumbs up",
    "ops.fb.some": "some", "ops.fb.none": "none", "ops.fb.corrected": "corrected", "ops.filter": "Filter",
    "ops.csv": "CSV export", "ops.logged": "Logged Q&A", "ops.col.time": "time", "ops.col.room": "room",
    "ops.col.viewer": "viewer", "ops.col.comment": "comment", "ops.col.kind": "kind", "ops.col.conf": "conf.",
    "ops.col.answer": "answer", "ops.col.status": "status", "ops.col.feedback": "feedback", "ops.analytics": "analytics: ",
    "ops.guess": "guess: {text}", "ops.corrected": "corrected: {text}", "ops.up": "up {n}", "ops.down": "down {n}",
    "ops.markWrong": "Mark wrong", "ops.rightAnswerFor": "Right answer for ", "ops.about": " about ",
    "ops.rightAnswer": "the right answer", "ops.saveFaq": "Save as FAQ", "ops.saved": "saved as {faq}; the bot answers it from now on",
    "ops.loaded": "loaded {time}", "ops.link": "link {link}", "ops.needAnswer": "write the right answer first",
    "ops.err.unknown_comment": "the log has no such comment (as after a viewer asked to be forgotten)",
    "ops.err.unknown_product": "no such product on the shelf", "ops.err.not_learned": "that one is gone already (someone may have just removed it)",
    "ops.err.unknown_room": "that room is not open now and the log holds no shelf of it: its comments cannot be labelled or corrected", "ops.closedRooms": "not open now",
    "ops.noShelf": "no shelf stored: cannot be labelled", "ops.notOpen": " (not open now)",
    "ops.savedClosed": "saved as {faq}; the bot answers it from the room's next show on",
    "ops.taughtClosed": "; from the room's next show on, comments worded so are answered by it",
    "ops.err.changed_since": "someone changed this comment's label or correction after you loaded it: not saved. The row shows it as it is now and what you typed is still here: check it, and save again to replace it",
    "ops.err.unauthorized": "the operator token is wrong or was changed: sign in again",
    "ops.err.bad_payload": "bad request: {message}", "ops.err.bad_label": "that label does not fit: {message}",
    "ops.err.request_timeout": "the request did not reach the server in time: not saved; try again",
    "ops.err.internal_error": "the server failed on this (it was logged); try again",
    "ops.err.offline": "the server cannot be reached: not saved; try again once connected",
    "ops.err.http": "server error (HTTP {message}); try again",
    "ops.more": "only the newest {n} are listed: narrow the filters to see earlier ones",
    "ops.formsAway": "{n} open form(s) are under comments not in this list: listed again, they reopen as typed",
    "ops.chooseEntry": "(choose one)", "ops.needEntry": "choose the entry that answers it first",
    "ops.needProduct": "choose the product this answer is about first",
    "ops.otherProduct": "; note: the bot took this comment to be about {bot}; it answers so when a viewer names {chosen} (or it is on screen)",
    "ops.fb.labelled": "labelled", "ops.fb.unlabelled": "not labelled", "ops.label": "Label", "ops.labelAs": "This comment is: ",
    "ops.entry": " answered by ", "ops.saveLabel": "Save label", "ops.labelSaved": "label saved", "ops.labelled": "label: {text}",
    "ops.unlabel": "Remove label", "ops.unlabelled": "label removed",
    "ops.learned": "What the bot learned", "ops.learnedHint": "Operators' answers and the wordings labels taught, by product; remove one and the bot stops answering so from the next comment.",
    "ops.col.product": "product", "ops.col.learned": "learned", "ops.learnedAnswer": "operators' answer: Q “{q}” A “{a}”",
    "ops.learnedWording": "wording “{wording}” → {entry}", "ops.remove": "Remove", "ops.removed": "removed",
    "label.answer": "the shelf answers it", "label.escalate": "nothing on the shelf answers it", "label.purchase": "purchase",
    "label.chat": "chat", "label.complaint": "complaint",
    "status.answered": "answered", "status.escalated": "escalated", "status.streamer_answered": "streamer answered",
    "status.dismissed": "dismissed", "status.expired": "expired unanswered",
    "status.queue_full": "not queued (viewer's open questions at the limit)", "status.unsent": "unsent", "status.filtered": "filtered",
    "status.maybe_complaint": "may be after-sales trouble (please look)", "status.other": "other",
  },
});

(function () {
  const form = document.getElementById("filters");
  const body = document.querySelector("#qa tbody");
  const statusLine = document.getElementById("status");
  let rooms = []; // open now, with their shelves
  let closedRooms = []; // in the log, not open now: {room_id, last_at, products?: its stored shelf}
  let lastRows = [];
  let loadedAt = null;
  let truncated = false; // more rows match than the list shows
  const LIMIT = 500; // rows the list shows, the newest
  // the forms open under rows, by comment_id: {seen, fix, label}, each form's draft what the operator
  // chose and typed, `seen` the label_at the row showed when the first was opened (saves send it).
  // A redraw (Filter, the language) reopens them under their row as they were; a comment not in the
  // new list keeps them, said in the status line, until it is listed again.
  const drafts = new Map();
  let formsAway = 0; // comments with open forms that the list does not show

  document.getElementById("lang").append(langSwitch());
  for (const s of document.body.dataset.statuses.split(",")) {
    document.getElementById("f-status").append(el("option", { value: s, "data-i18n": "status." + s, text: t("status." + s) }));
  }
  applyI18n();

  function query(limit) {
    const params = new URLSearchParams({ limit: String(limit) });
    for (const [key, value] of new FormData(form).entries()) {
      if (!value) continue;
      if (key === "since" || key === "until") params.set(key, String(new Date(value).getTime() / 1000));
      else params.set(key, value);
    }
    return params.toString();
  }

  async function getJSON(path, options) {
    let r, data;
    try {
      r = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    } catch (e) { // the server is down or this computer is offline
      data = { ok: false, error: { code: "offline", message: "the server cannot be reached" } };
      statusLine.textContent = refusal(data);
      return data;
    }
    try { data = await r.json(); } catch (e) { // a proxy's error page, say: no JSON
      data = { ok: false, error: { code: "http", message: String(r.status) } };
    }
    if (!r.ok) statusLine.textContent = refusal(data);
    return data;
  }

  // a refusal in the page's language (common.js errorText; a bad label or payload adds what is wrong)
  function refusal(data) {
    return errorText(data.error, "ops.err.");
  }

  function productName(p) {
    return t("ops.link", { link: p.link }) + " " + (LANG === "en" && p.title_en ? p.title_en : p.title);
  }

  // the room's shelf: an open room's, or the one the log stored last of a room closed now (labels
  // and corrections of its comments go to it, and the room opens on it); null when there is none
  function shelfOf(roomId) {
    return rooms.find((r) => r.room_id === roomId) || closedRooms.find((r) => r.room_id === roomId && r.products) || null;
  }

  function productOf(row) {
    const room = shelfOf(row.room_id);
    return room && row.product_id ? room.products.find((p) => p.product_id === row.product_id) : null;
  }

  // a wording is taught for the product chosen, but the bot looks it up under the one it resolved:
  // said when the two differ ("" when they do not)
  function otherProduct(row, chosenId) {
    const understood = productOf(row);
    const chosen = productOf({ room_id: row.room_id, product_id: chosenId });
    return understood && chosen && understood !== chosen
      ? t("ops.otherProduct", { bot: productName(understood), chosen: productName(chosen) }) : "";
  }

  async function fetchRooms() {
    const data = await getJSON("/api/ops/rooms");
    rooms = data.rooms || [];
    closedRooms = data.closed_rooms || [];
    renderLearned();
  }

  function learnedRows() {
    const only = document.getElementById("f-room").value;
    const rows = [];
    for (const room of rooms.concat(closedRooms.filter((r) => r.products))) {
      if (only && room.room_id !== only) continue;
      for (const p of room.products) {
        for (const a of p.learned.answers) rows.push({ room, p, what: t("ops.learnedAnswer", a), body: { faq_id: a.faq_id } });
        for (const w of p.learned.wordings) {
          const entry = p.entries.find((e) => e.source === w.source);
          const name = entry ? entry[LANG === "en" ? "en" : "zh"] : w.source;
          rows.push({ room, p, what: t("ops.learnedWording", { wording: w.wording, entry: name }), body: { wording: w.wording } });
        }
      }
    }
    return rows;
  }

  function renderLearned() {
    const tbody = clear(document.querySelector("#learned tbody"));
    const rows = learnedRows();
    document.getElementById("learned-count").textContent = String(rows.length);
    for (const row of rows) {
      const result = el("span", { class: "muted" });
      tbody.append(el("tr", {},
        el("td", {}, row.room.room_id, rooms.includes(row.room) ? null : el("span", { class: "muted", text: t("ops.notOpen") })),
        el("td", { text: productName(row.p) }),
        el("td", { class: "text", text: row.what }),
        el("td", {}, el("button", { type: "button", class: "unlearn", text: t("ops.remove"), onclick: async () => {
          const data = await getJSON("/api/ops/unlearn", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify(Object.assign({ room_id: row.room.room_id, product_id: row.p.product_id }, row.body)),
          });
          if (!data.ok) { result.textContent = refusal(data); return; }
          await fetchRooms();
          if (data.unlabelled) await load(); // the labels naming the answer taken back went with it
        } }), " ", result)));
    }
  }

  // the filter and the analytics links: the rooms open now, then the rooms closed now that the log
  // holds (the latest show first): an earlier show of a room closed today is reviewed by its room too
  async function loadRooms() {
    await fetchRooms();
    const select = document.getElementById("f-room");
    const links = clear(document.getElementById("analytics-links"));
    links.append(el("span", { "data-i18n": "ops.analytics", text: t("ops.analytics") }));
    const link = (id, cls) => el("a", { class: cls, href: "/ops/rooms/" + encodeURIComponent(id), text: id });
    for (const r of rooms) {
      select.append(el("option", { value: r.room_id, text: r.room_id }));
      links.append(link(r.room_id, "room-link"));
    }
    if (closedRooms.length) {
      const group = el("optgroup", { id: "f-room-closed", label: t("ops.closedRooms") });
      for (const r of closedRooms) {
        group.append(el("option", { value: r.room_id, text: r.room_id, title: when(r.last_at) }));
        links.append(link(r.room_id, "room-link closed"));
      }
      select.append(group);
    }
  }

  // a form under a comment's row, across the table; its box stays in view while a table wider than
  // the screen (a phone) scrolls sideways
  function formRow(cls, ...children) {
    return el("tr", { class: cls }, el("td", { colspan: 10 }, el("div", { class: "in-view" }, ...children)));
  }

  // the row's draft of a form (`fresh()` when it has none): kept while the form is open
  function draftOf(row, form, fresh) {
    if (!drafts.has(row.comment_id)) drafts.set(row.comment_id, { seen: row.label_at ?? null, fix: null, label: null });
    const mine = drafts.get(row.comment_id);
    mine[form] = mine[form] || fresh();
    return mine[form];
  }

  // the form ("fix" or "label") open under the row closes, its draft dropped: true when one was open
  function closeForm(row, tr, form) {
    let next = tr.nextElementSibling;
    while (next && !next.dataset.comment && !next.classList.contains(form)) next = next.nextElementSibling;
    if (!next || next.dataset.comment) return false;
    next.remove();
    const mine = drafts.get(row.comment_id);
    mine[form] = null;
    if (!mine.fix && !mine.label) drafts.delete(row.comment_id);
    return true;
  }

  function fixRow(row, tr) {
    if (closeForm(row, tr, "fix")) return;
    tr.querySelector(".saved-note").textContent = "";
    const draft = draftOf(row, "fix", () => ({ product: productOf(row) ? row.product_id : "", answer: "" }));
    const room = shelfOf(row.room_id);
    const product = el("select", { class: "fix-product", onchange: () => { draft.product = product.value; } });
    if (!productOf(row)) { // the bot named no product: the operator chooses, nothing is chosen for them
      product.append(el("option", { value: "", text: t("ops.chooseEntry"), selected: draft.product === "" }));
    }
    for (const p of room ? room.products : []) {
      product.append(el("option", { value: p.product_id, text: productName(p), selected: p.product_id === draft.product }));
    }
    const text = el("textarea", { class: "fix-answer", rows: 2, cols: 50, maxlength: 500, placeholder: t("ops.rightAnswer"),
      oninput: () => { draft.answer = text.value; } });
    text.value = draft.answer;
    const result = el("span", { class: "muted fix-result" });
    tr.after(formRow("fix",
      t("ops.rightAnswerFor"), el("b", { text: row.text }), t("ops.about"), product, el("br"), text, " ",
      el("button", { type: "button", class: "primary save-fix", text: t("ops.saveFaq"), onclick: async () => {
        if (!product.value) { result.textContent = t("ops.needProduct"); product.focus(); return; }
        if (!text.value.trim()) { result.textContent = t("ops.needAnswer"); text.focus(); return; }
        const data = await saveWord("/api/ops/corrections", row, tr, { product_id: product.value, answer: text.value });
        const saved = data.open === false ? "ops.savedClosed" : "ops.saved"; // closed: its stored shelf
        result.textContent = data.ok ? t(saved, { faq: data.faq_id }) + otherProduct(row, product.value) : refusal(data);
        if (!data.ok) return;
        // the correction is the comment's label too: answered by the new entry
        Object.assign(row, { corrected_answer: text.value.trim(), label_kind: "answer", label_product: data.product_id,
          label_source: data.faq_id, label_at: data.label_at });
        await fetchRooms(); // the new entry: in the label form's entries and the learned list
        showWord(row, tr);
        closeSaved(row, tr, "fix", result.textContent);
      } }), " ", result));
  }

  // the operators' word on a comment as its row shows it: the label, the correction
  const WORD = ["label_kind", "label_product", "label_source", "label_at", "corrected_answer", "corrected_at"];

  // a form saved closes, and what it saved is said on the row: left open, the next comment's label
  // was chosen in it and replaced this one's
  function closeSaved(row, tr, form, text) {
    closeForm(row, tr, form);
    tr.querySelector(".saved-note").textContent = text;
  }

  function showWord(row, tr) {
    tr.querySelector(".label-now").textContent = labelText(row);
    tr.querySelector(".corrected").textContent = row.corrected_answer ? t("ops.corrected", { text: row.corrected_answer }) : "";
  }

  // a label or a correction goes with the label the operator saw (`expect`: as the row showed it
  // when they opened the form, however often the list was redrawn since): one another operator
  // saved meanwhile is not silently replaced. Refused, the row shows the comment's label and
  // correction as they are now and the form keeps what was typed: saving again replaces them.
  async function saveWord(path, row, tr, payload) {
    const mine = drafts.get(row.comment_id);
    const data = await getJSON(path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ comment_id: row.comment_id, expect: { label_at: mine.seen } }, payload)),
    });
    if (data.ok) mine.seen = data.label_at ?? null; // the operator's own: the row shows it (none once taken back)
    else if (data.row) {
      for (const key of WORD) row[key] = data.row[key];
      mine.seen = row.label_at ?? null;
      showWord(row, tr);
    }
    return data;
  }

  const LABEL_KINDS = ["answer", "escalate", "purchase", "chat", "complaint"];

  function entriesOf(roomId, productId) {
    const product = productOf({ room_id: roomId, product_id: productId });
    return product ? product.entries : [];
  }

  function labelText(row) {
    if (!row.label_kind) return "";
    const parts = [t("label." + row.label_kind)];
    if (row.label_kind === "answer") {
      const product = productOf({ room_id: row.room_id, product_id: row.label_product });
      const entry = entriesOf(row.room_id, row.label_product).find((e) => e.source === row.label_source);
      parts.push(product ? productName(product) : row.label_product, entry ? entry[LANG === "en" ? "en" : "zh"] : row.label_source);
    }
    return t("ops.labelled", { text: parts.join(" · ") });
  }

  function labelRow(row, tr) {
    if (closeForm(row, tr, "label")) return;
    tr.querySelector(".saved-note").textContent = "";
    const draft = draftOf(row, "label", () => ({ kind: row.label_kind || (LABEL_KINDS.includes(row.kind) ? row.kind : "chat"),
      product: row.label_product || row.product_id, entry: row.label_source || row.source }));
    const room = shelfOf(row.room_id);
    const kind = el("select", { class: "label-kind" });
    for (const k of LABEL_KINDS) kind.append(el("option", { value: k, text: t("label." + k), selected: k === draft.kind }));
    const product = el("select", { class: "label-product" });
    for (const p of room ? room.products : []) {
      product.append(el("option", { value: p.product_id, text: productName(p), selected: p.product_id === draft.product }));
    }
    const entry = el("select", { class: "label-entry", onchange: () => { draft.entry = entry.value; } });
    const fillEntries = (want) => {
      clear(entry);
      const entries = entriesOf(row.room_id, product.value);
      if (!entries.some((e) => e.source === want)) {
        // nothing to start from (another product than the bot's): no entry chosen for the operator
        entry.append(el("option", { value: "", text: t("ops.chooseEntry"), selected: true }));
      }
      for (const e of entries) {
        const says = (LANG === "en" && e.says_en) || e.says; // the catalog's English value, when it gives one
        const name = e[LANG === "en" ? "en" : "zh"] + (says ? " · " + says : "");
        entry.append(el("option", { value: e.source, text: name, selected: e.source === want }));
      }
      draft.entry = entry.value;
    };
    const what = el("span", { class: "label-answer" }, t("ops.about"), product, t("ops.entry"), entry);
    const showWhat = () => { what.hidden = kind.value !== "answer"; };
    product.addEventListener("change", () => { draft.product = product.value; fillEntries(row.label_source || row.source); });
    kind.addEventListener("change", () => { draft.kind = kind.value; showWhat(); });
    fillEntries(draft.entry);
    showWhat();
    const result = el("span", { class: "muted label-result" });
    tr.after(formRow("label",
      el("b", { text: row.text }), " ", t("ops.labelAs"), kind, what, " ",
      el("button", { type: "button", class: "primary save-label", text: t("ops.saveLabel"), onclick: async () => {
        const answer = kind.value === "answer";
        if (answer && !entry.value) { result.textContent = t("ops.needEntry"); entry.focus(); return; }
        const data = await saveWord("/api/ops/labels", row, tr, { kind: kind.value,
          product_id: answer ? product.value : null, source: answer ? entry.value : null });
        if (data.ok) {
          Object.assign(row, { label_kind: data.kind, label_product: data.product_id, label_source: data.source, label_at: data.label_at });
          showWord(row, tr);
        }
        const closed = data.taught && data.open === false ? t("ops.taughtClosed") : ""; // closed: its stored shelf
        result.textContent = data.ok ? t("ops.labelSaved") + closed + (data.taught ? otherProduct(row, product.value) : "") : refusal(data);
        if (data.ok) closeSaved(row, tr, "label", result.textContent);
        if (data.ok && data.taught) fetchRooms();
      } }),
      // a label taken back: the comment is unlabelled again, and the wording it taught forgotten
      row.label_kind ? el("button", { type: "button", class: "remove-label", text: t("ops.unlabel"), onclick: async () => {
        const data = await saveWord("/api/ops/unlabel", row, tr, {});
        if (!data.ok) { result.textContent = refusal(data); return; }
        Object.assign(row, { label_kind: null, label_product: null, label_source: null, label_at: null });
        showWord(row, tr);
        closeSaved(row, tr, "label", t("ops.unlabelled"));
        if (data.taught) fetchRooms();
      } }) : null, " ", result));
  }

  function kindLabel(row) {
    const kind = row.kind || row.filtered || "";
    const key = "ops.kind." + kind;
    return kind && t(key) !== key ? t(key) : kind; // a filter reason (flood, banned_word) as logged
  }

  function render(rows) {
    lastRows = rows;
    clear(body);
    formsAway = drafts.size;
    document.getElementById("count").textContent = truncated ? LIMIT + "+" : String(rows.length);
    for (const row of rows) {
      const answer = row.answer || (row.guess ? t("ops.guess", { text: row.guess }) : "");
      const feedback = [row.feedback_up ? t("ops.up", { n: row.feedback_up }) : "",
        row.feedback_down ? t("ops.down", { n: row.feedback_down }) : ""].filter(Boolean).join(" ");
      const product = productOf(row);
      const tr = el("tr", { dataset: { comment: row.comment_id, status: row.status } },
        el("td", { class: "when", text: when(row.created_at) }),
        el("td", { text: row.room_id }),
        el("td", { text: row.viewer_name || row.viewer_id }),
        el("td", { class: "text", text: row.text }),
        el("td", { class: "kind" }, kindLabel(row), el("div", { class: "muted label-now", text: labelText(row) })),
        el("td", { text: row.confidence === null ? "" : Number(row.confidence).toFixed(2) }),
        el("td", { class: "answer" },
          product ? el("div", { class: "muted product", text: productName(product) }) : null,
          el("span", { text: answer }),
          el("div", { class: "muted corrected", text: row.corrected_answer ? t("ops.corrected", { text: row.corrected_answer }) : "" })),
        el("td", { class: "status", text: t("status." + row.status) }),
        el("td", { text: feedback }),
        el("td", {}));
      if (shelfOf(row.room_id)) {
        tr.lastChild.append(el("button", { type: "button", class: "wrong", text: t("ops.markWrong"), onclick: () => fixRow(row, tr) }), " ",
          el("button", { type: "button", class: "label-open", text: t("ops.label"), onclick: () => labelRow(row, tr) }),
          el("div", { class: "muted saved-note" }));
      } else { // a room closed now whose shelf the log never stored: nothing to check a label against
        tr.lastChild.append(el("span", { class: "muted no-shelf", text: t("ops.noShelf"), title: t("ops.err.unknown_room") }));
      }
      body.append(tr);
      const mine = drafts.get(row.comment_id);
      if (mine && shelfOf(row.room_id)) { // its forms, reopened as the operator left them: the correction first under the row
        if (mine.label) labelRow(row, tr);
        if (mine.fix) fixRow(row, tr);
        formsAway -= 1;
      }
    }
  }

  function loadedLine() {
    if (!loadedAt) return;
    const more = truncated ? " · " + t("ops.more", { n: LIMIT }) : "";
    const away = formsAway ? " · " + t("ops.formsAway", { n: formsAway }) : "";
    statusLine.textContent = t("ops.loaded", { time: loadedAt.toLocaleTimeString() }) + more + away;
  }

  async function load() {
    const data = await getJSON("/api/ops/qa?" + query(LIMIT + 1)); // one more: are there more?
    if (data.ok) {
      truncated = data.rows.length > LIMIT;
      render(data.rows.slice(0, LIMIT));
      loadedAt = new Date();
      loadedLine();
    }
  }

  onLangChange(() => {
    const closed = document.getElementById("f-room-closed");
    if (closed) closed.label = t("ops.closedRooms");
    render(lastRows); renderLearned(); loadedLine();
  });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); renderLearned(); });
  document.getElementById("csv").addEventListener("click", () => { location.href = "/api/ops/qa.csv?" + query(100000); }); // every row, not the list's
  loadRooms().then(load);
})();
