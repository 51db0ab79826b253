/* Streamer console: streamer_join with the room's token, then everything arrives as events on the
   room's streamer channel (queue_item, queue_resolved, shelf, console_counters, console_settings,
   moderation) and is updated in place, keyed by escalation_id / product_id: nothing the streamer is
   typing or has selected is redrawn away. console_state fills the page on (re)connect. */
"use strict";

(function () {
  const roomId = document.body.dataset.room;
  const token = document.body.dataset.token;
  const $ = (id) => document.getElementById(id);

  addStrings({
    zh: {
      title: "主播控制台", connecting: "连接中…", connected: "已连接", disconnected: "连接断开，正在重连…",
      pause: "暂停机器人", resume: "恢复机器人", approve_mode: "低置信度先审核",
      queue: "待回答", complaints: "投诉与售后", live: "实时数据", shelf: "货架",
      announcements: "公告与定时", moderation: "审核", select_all: "全选", dismiss_selected: "忽略所选", on_screen_only: "只看讲解中的商品",
      send_paused: "发送暂停时的回答（{n}）", sent_paused: "已发送暂停时的 {n} 条回答",
      guess_above: "显示猜测，置信度 ≥", expire_min: "超时（分钟，0=不超时）",
      keys: "j / k 选择 · Enter 进入回答框 · 回答框里 Enter 发送 · Esc 返回 · x 勾选",
      queue_empty: "没有待回答的问题。", complaints_empty: "没有投诉。",
      col_link: "链接", col_product: "商品", col_price: "价格", col_stock: "库存",
      announce_ph: "公告内容", announce: "发送公告", timer_ph: "定时消息", every: "每", minutes: "分钟",
      comments_unit: "条评论", add: "添加", remove: "删除", sent_n: "已发 {n}",
      answer_ph: "你的回答（Enter 发送）", answer: "回答", approve: "采纳猜测", dismiss: "忽略",
      guess: "机器人猜测", from_field: "来自字段「{f}」", from_faq: "来自 FAQ「{q}」",
      confidence: "置信度 {c}", confidence_bar: "置信度 {c}（需 {bar}）", asked_n: "{n} 人问", waited_now: "刚问", waited_min: "等了 {m} 分钟",
      waited_h: "等了 {h} 小时 {m} 分", and_more: "另 {n} 人", complaint: "投诉", no_product: "未识别商品", while_on_screen: "（提问时讲解 {p}）", asked_colon: "：",
      link: "{n}号", save: "保存", show: "讲解", unshow: "下架讲解", on_screen: "讲解中", sold_out: "售罄",
      paused_banner: "机器人已暂停：观众的问题都进了待回答，点“恢复机器人”让它继续回答",
      saved: "{p} 已更新：{what}", undo: "撤销：{what}", undone: "已撤销：{what}",
      changed_since: "已在别处改过，没有撤销（刷新货架看现在的值）",
      nothing_changed: "没有改动。", confirm: "确认修改", cancel: "取消",
      "err.offline": "连不上服务器，没有改动；连上后再保存一次", "err.timeout": "服务器没有回应，请再试一次",
      "err.unknown_escalation": "这个问题已不在队列里（已回答、已忽略或已过期）",
      "err.not_learned": "没有可撤销的：这一条没教会机器人什么，或已撤销过",
      order: "排序", order_oldest: "先问的在上", order_most_asked: "问的人多的在上", order_newest: "新问的在上",
      shown_of: "{shown}/{all}",
      unteach: "撤销，不记住", untaught: "已撤销：这个问法不再直接回答，下次仍交给你",
      "err.unauthorized": "令牌不对或已更换：用新的链接重新打开控制台",
      "err.bad_payload": "请求有误：{message}", "err.unknown_room": "这个直播间现在没有开播（服务器上没有它）",
      "err.unknown_product": "货架上已没有这个商品（刷新页面看现在的货架）",
      "err.request_timeout": "请求没有及时送到服务器，没有改动；请再试一次",
      "err.internal_error": "服务器处理出错（已记录），请再试一次", "err.http": "服务器出错（HTTP {message}），请再试一次",
      bad_price: "价格必须是不小于 0 的数字（最多两位小数），不能为空。",
      bad_stock: "库存必须是不小于 0 的整数，不能为空。",
      jump: "{p} 价格 {old} → {new} 变动很大（降价超过一半或涨价超过 3 倍），请确认。",
      price_follows: "按规格定价：价格是最低规格的价格，改下面各规格的价格",
      announced: "公告已发送", dismissed_n: "已忽略 {n} 条",
      taken_away: "你正在回答的问题已离开队列（超时，或在别处已处理），没有发送",
      taken_away_text: "你正在回答的问题已离开队列（超时，或在别处已处理），没有发送。你写的：{text}",
      taught: "已记住这个问法：以后同样的问题机器人直接这样回答（运营审核页可改）",
      "counter.viewers": "在线观众", "counter.comments_per_min": "评论/分钟", "counter.comments": "评论",
      "counter.questions": "提问", "counter.answered": "已回答", "counter.escalated": "转人工",
      "counter.not_queued": "超限未入队",
      "counter.not_queued.tip": "提问人已有 hygiene.queue_per_viewer 个问题在排队，这些没有入队（运营的复核列表里有）",
      "counter.over_budget.tip": "超过直播间回复上限（config.yaml：hygiene.max_replies_per_minute、reply_burst）的回答只私信给了提问人，其他观众看不到",
      "counter.over_budget": "超回复上限仅私信",
      "counter.streamer_answered": "主播回答", "counter.cards_shown": "卡片", "counter.clicks": "点击",
      "counter.carts": "加购", "counter.orders": "订单", "counter.revenue": "成交额", "counter.since": "统计起点",
      "reason.paused": "机器人已暂停", "reason.approve": "待审核（置信度低）", "reason.low_confidence": "把握不大",
      "reason.no_link": "链接不在货架上", "reason.earlier": "问的是之前讲过的商品",
      "reason.no_product": "没认出是哪个商品", "reason.day_or_link": "是链接号还是日期？", "reason.not_in_catalog": "商品资料里没有答案",
      "reason.other_aspect": "问的和资料说的不是一回事", "reason.two_things": "一次问了两件事",
      "reason.several": "问了多个商品", "reason.streamer_size": "问主播本人的尺码",
      "reason.complaint": "售后问题", "reason.banned_word": "含违禁词", "reason.flood": "刷屏",
      "reason.rate_limited": "发言过快", "reason.operator": "运营已写好回答",
      "reason.streamer_link": "问主播身上的是几号链接", "reason.which_link": "问几号链接，没认出商品",
      "reason.ships_there": "发货说明没写能不能寄到", "reason.bargain": "问优惠券或砍价",
      "reason.version": "问的是某个款式，库存数答不了",
      "reason.other_version": "资料说的是另一个规格", "reason.other_model": "资料说的是另一个型号", "reason.opinion": "问主播的看法或推荐",
      "reason.when": "问什么时候，库存数答不了", "reason.courier": "发货说明没写哪家快递", "reason.fee": "发货说明没写运费", "reason.address": "售后说明没写退货地址",
      "reason.unit_price": "问一克/一斤或一件的价格，标价不是", "reason.custom": "问能否定制，资料答不了", "reason.alone": "问能否单买套装里的一件，资料答不了", "reason.goods_left": "问某个规格还有没有货，规格列表答不了",
      "reason.prices_old": "价格改过，各规格的价格还是原来的",
    },
    en: {
      title: "Streamer console", connecting: "connecting…", connected: "connected",
      disconnected: "disconnected, reconnecting…", pause: "Pause bot", resume: "Resume bot",
      approve_mode: "Approve unsure answers first", queue: "Questions", complaints: "Complaints & after-sales",
      live: "Live", shelf: "Shelf", announcements: "Announcements & timers", moderation: "Moderation",
      select_all: "Select all", dismiss_selected: "Dismiss selected", on_screen_only: "Only the product on screen",
      send_paused: "Send the answers held while paused ({n})", sent_paused: "Sent {n} answers held while paused", guess_above: "Show guesses from confidence",
      expire_min: "Expire after (min, 0 = never)",
      keys: "j / k select · Enter opens the answer box · Enter in it sends · Esc back · x tick",
      queue_empty: "No questions waiting.", complaints_empty: "No complaints.",
      col_link: "Link", col_product: "Product", col_price: "Price", col_stock: "Stock",
      announce_ph: "Announcement", announce: "Announce", timer_ph: "Timed message", every: "every",
      minutes: "min", comments_unit: "comments", add: "Add", remove: "Delete", sent_n: "sent {n}",
      answer_ph: "Your answer (Enter sends)", answer: "Answer", approve: "Send the guess", dismiss: "Dismiss",
      guess: "Bot's guess", from_field: "from the field “{f}”", from_faq: "from the FAQ “{q}”",
      confidence: "confidence {c}", confidence_bar: "confidence {c} (needs {bar})", asked_n: "{n} asked", waited_now: "just asked", waited_min: "waiting {m} min",
      waited_h: "waiting {h} h {m} min", and_more: "+{n} more", complaint: "Complaint", no_product: "product unknown", while_on_screen: "(asked while {p} was on screen)", asked_colon: ": ",
      link: "#{n}", save: "Save", show: "Show", unshow: "Take off", on_screen: "on screen", sold_out: "sold out",
      paused_banner: "The bot is paused: viewers' questions all wait in the queue. Resume the bot to let it answer again.",
      saved: "{p} updated: {what}", undo: "Undo: {what}", undone: "Undone: {what}",
      changed_since: "changed since elsewhere; not undone (the shelf shows the value now)",
      nothing_changed: "Nothing changed.", confirm: "Confirm", cancel: "Cancel",
      "err.offline": "The server cannot be reached: nothing was changed. Save again once connected.",
      "err.timeout": "No answer from the server; try again.",
      "err.unknown_escalation": "That question is no longer in the queue (answered, dismissed or expired).",
      "err.not_learned": "Nothing to take back: that answer taught the bot nothing, or was taken back already.",
      order: "Order", order_oldest: "first asked on top", order_most_asked: "most asked on top", order_newest: "last asked on top",
      shown_of: "{shown}/{all}",
      unteach: "Undo, forget it", untaught: "Taken back: this wording comes to you again",
      "err.unauthorized": "The token is wrong or was changed: open the console again with the new link.",
      "err.bad_payload": "Bad request: {message}", "err.unknown_room": "That room is not open on this server now.",
      "err.unknown_product": "That product is no longer on the shelf (reload the page to see the shelf now).",
      "err.request_timeout": "The request did not reach the server in time: nothing was changed. Try again.",
      "err.internal_error": "The server failed on this (it was logged); try again.",
      "err.http": "Server error (HTTP {message}); try again.",
      bad_price: "The price must be a number of 0 or more (at most two decimals), not empty.",
      bad_stock: "The stock must be a whole number of 0 or more, not empty.",
      jump: "{p}: price {old} → {new} is a big jump (a cut of more than half or a rise of more than 3×). Confirm?",
      price_follows: "Priced by version: the price is the lowest version's; change the versions' prices below",
      announced: "announced", dismissed_n: "{n} dismissed",
      taken_away: "The question you were answering left the queue (expired, or handled elsewhere); nothing was sent",
      taken_away_text: "The question you were answering left the queue (expired, or handled elsewhere); nothing was sent. You wrote: {text}",
      taught: "remembered: the bot answers this wording so from now on (the operators' review page can change it)",
      "counter.viewers": "viewers online", "counter.comments_per_min": "comments / min", "counter.comments": "comments",
      "counter.questions": "questions", "counter.answered": "answered", "counter.escalated": "to streamer",
      "counter.not_queued": "over limit, not queued",
      "counter.not_queued.tip": "Their askers already had hygiene.queue_per_viewer questions waiting: not queued (the operators' review list has them)",
      "counter.over_budget.tip": "Answers past the room's reply limit (config.yaml: hygiene.max_replies_per_minute, reply_burst) went to the asker alone; the rest of the room did not see them",
      "counter.over_budget": "over reply limit, to asker only",
      "counter.streamer_answered": "you answered", "counter.cards_shown": "cards", "counter.clicks": "clicks",
      "counter.carts": "carts", "counter.orders": "orders", "counter.revenue": "revenue", "counter.since": "counting since",
      "reason.paused": "bot paused", "reason.approve": "waiting for approval (unsure)",
      "reason.low_confidence": "unsure", "reason.no_link": "link not on the shelf",
      "reason.earlier": "about a product shown earlier", "reason.no_product": "product not recognised", "reason.day_or_link": "a link number or a day?",
      "reason.not_in_catalog": "the catalog does not say", "reason.other_aspect": "asks another aspect",
      "reason.two_things": "asks two things at once", "reason.several": "about several products",
      "reason.streamer_size": "asks the streamer's size", "reason.complaint": "after-sales trouble",
      "reason.banned_word": "banned word", "reason.flood": "flooding", "reason.rate_limited": "too fast", "reason.operator": "an operator wrote the answer",
      "reason.streamer_link": "which link the streamer wears", "reason.which_link": "which link; product unknown",
      "reason.ships_there": "shipping info does not say if it goes there", "reason.bargain": "asks for a coupon or a bargain",
      "reason.version": "asks for a version the stock count does not cover",
      "reason.other_version": "the entry is about another version", "reason.other_model": "the entry is about another model number", "reason.opinion": "asks the streamer's opinion",
      "reason.when": "asks when; the stock count does not say", "reason.courier": "shipping info does not name the courier", "reason.fee": "shipping info does not say what delivery costs", "reason.address": "returns info gives no address",
      "reason.unit_price": "asks the price per gram, jin or piece; the listed price is not", "reason.custom": "asks for something made to order", "reason.alone": "asks to buy one piece of a set", "reason.goods_left": "asks whether a version is left; the list of versions does not say",
      "reason.prices_old": "the price was changed; the versions' prices are the catalog's",
    },
  });

  // the server's reasons are English sentences for the API; the page shows a short label for each
  const REASONS = [
    [/^bot paused/, "paused"], [/^approve before send/, "approve"], [/^low confidence|^not sure enough/, "low_confidence"],
    [/link named is not on the shelf|^no link \d+ on the shelf/, "no_link"],
    [/product shown earlier/, "earlier"], [/may be a link or a day/, "day_or_link"], [/^no product could be identified/, "no_product"],
    [/catalog does not answer/, "not_in_catalog"], [/another aspect|other aspect/, "other_aspect"],
    [/two things/, "two_things"], [/several products/, "several"], [/streamer's own size/, "streamer_size"],
    [/after-sales|complaint/, "complaint"], [/^banned_word$/, "banned_word"], [/^flood$/, "flood"],
    [/^rate_limited$/, "rate_limited"], [/^an operator wrote the answer$/, "operator"],
    [/^asks which link the streamer's own one is/, "streamer_link"], [/^asks which link, product unknown/, "which_link"],
    [/does not say which courier/, "courier"], [/does not say what delivery costs/, "fee"], [/does not give the address/, "address"], [/shipping policy does not say/, "ships_there"], [/coupon or a bargain/, "bargain"],
    [/^asks for a version/, "version"], [/another version than/, "other_version"], [/another model number/, "other_model"],
    [/streamer's judgement/, "opinion"], [/^asks when/, "when"],
    [/price of one gram/, "unit_price"], [/made to order/, "custom"], [/one piece of a set/, "alone"], [/whether any are left/, "goods_left"], [/each version's price/, "prices_old"],
  ];
  function reasonKey(reason) {
    const hit = REASONS.find(([re]) => re.test(reason || ""));
    return hit ? hit[1] : null;
  }
  // the confidence as the server's reason gives it, rounded down (0.897 is "0.89 < 0.90" there, so
  // "0.89" here), with the bar it did not reach where the reason names one
  function confidence(item) {
    const c = (Math.floor(Number(item.confidence || 0) * 100) / 100).toFixed(2);
    const bar = /^not sure enough \([\d.]+ < ([\d.]+)\)/.exec(item.reason || "");
    return bar ? t("confidence_bar", { c, bar: bar[1] }) : t("confidence", { c });
  }
  function reasonLabel(reason) {
    const key = reasonKey(reason);
    return key ? t("reason." + key) : reason || "";
  }

  // not_queued: questions handed over while their viewer already had hygiene.queue_per_viewer open;
  // over_budget: answers the room's reply limit sent to their askers alone (or dropped); each shown
  // only when there are some (a warning, not a figure of every show)
  const COUNTERS = ["viewers", "comments_per_min", "comments", "questions", "answered", "escalated",
    "not_queued", "over_budget", "streamer_answered", "cards_shown", "clicks", "carts", "orders", "revenue"];
  const WARNINGS = ["not_queued", "over_budget"];

  const socket = io({ transports: ["websocket", "polling"] });
  const products = new Map(); // product_id -> the shelf's product
  const items = new Map(); // escalation_id -> {item, node}
  const mine = new Set(); // escalation_id of each item this page is answering or dismissing now
  let onScreen = null;
  let settings = { paused: false, approve_mode: false, approve_below: 0.75, guess_above: 0.5, expire_min: 30 };
  let selected = null; // escalation_id of the selected item (j / k)
  let lastChange = null; // {product_id, values}: what the undo sends back
  let statusSay = null; // gives the last notice in the page's language: redrawn when the language changes
  let shelfSay = null; // the same for the shelf's last change (saved, undone)
  const MODERATION_SHOWN = 50; // as many as console_state lists (storage/controls.py)
  const moderated = new Set(); // comment_id of each moderation entry shown
  let heard = null; // moderation entries since this connection's streamer_join, until console_state is drawn

  // what the last action did (or why it failed), beside the connection's state, which it never hides;
  // it goes after STATUS_MS (an old notice read as news of the action just done)
  const STATUS_MS = 15000;
  let statusTimer = null;
  // `what`: a text key, or a function giving the text in the page's language; with `raw`, a text as is
  function status(what, raw) {
    unteachable(null); // an undo belongs to the notice of what it undoes
    statusSay = raw ? null : typeof what === "function" ? what : () => t(what);
    $("status").textContent = raw ? what : statusSay();
    clearTimeout(statusTimer);
    statusTimer = setTimeout(quiet, STATUS_MS);
  }

  // the approval whose teaching the button beside the notice takes back (null: none, the button hidden)
  let unteachId = null;
  function unteachable(id) {
    unteachId = id;
    $("unteach").hidden = id === null;
  }

  function quiet() { // the notice was about an earlier action: the next one must not seem to have done it
    unteachable(null);
    clearTimeout(statusTimer);
    statusSay = null;
    $("status").textContent = "";
  }

  function connection(key) {
    const node = $("conn");
    node.dataset.state = key;
    node.dataset.i18n = key;
    node.textContent = t(key);
  }

  async function call(event, payload) {
    const ack = await emitAck(socket, event, payload);
    if (!ack.ok) refused(ack.error);
    return ack;
  }

  // a refusal in the status line, in the page's language (common.js errorText)
  function refused(error) {
    status(() => errorText(error));
  }

  async function api(method, path, body) {
    let r;
    try {
      r = await fetch(path, {
        method: method,
        headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) { // the server is down or this computer is offline: said, and nothing is changed
      return { ok: false, error: { code: "offline", message: "the server cannot be reached" } };
    }
    let data = {};
    try { data = await r.json(); } catch (e) { data = { ok: false, error: { code: "http", message: String(r.status) } }; }
    return data;
  }

  function titleOf(p) { // the English title on the English console, when the catalog gives one
    return LANG === "en" && p.title_en ? p.title_en : p.title;
  }

  function productName(pid) {
    const p = products.get(pid);
    if (!p) return pid ? pid : t("no_product");
    return t("link", { n: p.link }) + " " + titleOf(p);
  }

  /* -- connection ------------------------------------------------------------------------------ */
  socket.on("connect", async () => {
    heard = [];
    const ack = await call("streamer_join", { room_id: roomId, token: token });
    if (!ack.ok) return;
    connection("connected");
    document.body.dataset.joined = "1";
    const state = await call("console_state", null);
    if (!state.ok) return;
    if (typeof state.now === "number") clockOffset = state.now - Date.now() / 1000;
    useCurrency(state.currency);
    renderShelf(state);
    syncQueue(state.queue);
    renderCounters(state.counters);
    renderSettings(state.settings);
    renderTimers(state.timers);
    renderModeration([...(state.moderation || []), ...heard]); // what came during the join is kept
    heard = null;
  });
  socket.on("disconnect", () => connection("disconnected"));
  // how long each question has waited (since its first asker), kept current
  setInterval(() => { for (const { item, node } of items.values()) node.querySelector(".age").textContent = waited(item); }, 15000);
  socket.on("queue_item", (item) => upsertItem(item));
  socket.on("queue_resolved", (r) => removeItem(r.escalation_id, mine.has(r.escalation_id)));
  socket.on("shelf", (s) => renderShelf(s));
  socket.on("console_counters", (c) => renderCounters(c));
  socket.on("console_settings", (s) => renderSettings(s));
  socket.on("console_timers", (m) => renderTimers(m.timers)); // set or cleared elsewhere, or one more sent
  socket.on("moderation", (m) => {
    if (heard && heard.length < MODERATION_SHOWN) heard.push(m); // console_state's read may miss it
    addModeration(m);
  });

  /* -- moderation: comments kept out of the Q&A, newest first, one entry per comment ----------- */
  function hhmm(ts) { // the server's time of an entry, on this computer's clock (as the waits are)
    const d = new Date((Number(ts) - clockOffset) * 1000);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  function addModeration(m) {
    if (moderated.has(m.comment_id)) return;
    moderated.add(m.comment_id);
    // by the name viewers see in the chat (the id on hover), with what was said and when
    const said = (m.text || "").length > 40 ? m.text.slice(0, 40) + "…" : m.text || "";
    const list = $("moderation");
    list.prepend(el("li", { dataset: { comment: m.comment_id } },
      el("span", { class: "at", text: typeof m.ts === "number" ? hhmm(m.ts) : "" }), " ",
      el("b", { text: m.name || m.viewer_id, title: m.viewer_id }), " ",
      el("span", { class: "reason", dataset: { reason: m.reason }, text: reasonLabel(m.reason) }), " ",
      el("span", { class: "muted said", text: said })));
    while (list.children.length > MODERATION_SHOWN) { // the oldest go
      moderated.delete(list.lastElementChild.dataset.comment);
      list.lastElementChild.remove();
    }
  }

  function renderModeration(entries) { // the list as given, replacing what was shown
    clear($("moderation"));
    moderated.clear();
    for (const m of [...entries].sort((a, b) => a.ts - b.ts)) addModeration(m); // oldest first, each on top
  }

  /* -- counters -------------------------------------------------------------------------------- */
  const counterBox = $("counters");
  for (const key of COUNTERS) {
    // a warning says on hover what it counts and which setting bounds it (trials: the answers sent
    // to their askers alone read as lost until the docs were searched)
    const tip = WARNINGS.includes(key) ? { title: t(`counter.${key}.tip`), "data-i18n-title": `counter.${key}.tip` } : {};
    counterBox.append(el("div", { class: "counter", dataset: { counter: key }, hidden: WARNINGS.includes(key), ...tip },
      el("b", { text: "–" }), el("span", { class: "muted", "data-i18n": "counter." + key, text: t("counter." + key) })));
  }
  // since when they count: the show's first comment after 30 minutes without one (found again after a restart)
  const sinceTime = el("span", { class: "since-time" });
  counterBox.after(el("p", { class: "muted counters-since" },
    el("span", { "data-i18n": "counter.since", text: t("counter.since") }), " ", sinceTime));
  // a long value (the show's revenue: "¥57385.80") shrinks to fit its box instead of spilling out of it
  function fit(b) {
    b.style.fontSize = "";
    if (b.scrollWidth > b.clientWidth) {
      const size = parseFloat(getComputedStyle(b).fontSize) * b.clientWidth / b.scrollWidth;
      b.style.fontSize = Math.floor(size * 10) / 10 + "px";
    }
  }
  window.addEventListener("resize", () => { for (const b of counterBox.querySelectorAll(".counter b")) fit(b); });

  function renderCounters(c) {
    for (const key of COUNTERS) {
      const b = counterBox.querySelector(`[data-counter="${key}"] b`);
      const value = key === "revenue" ? money(c[key]) : c[key];
      if (WARNINGS.includes(key)) b.parentElement.hidden = !value;
      if (value !== undefined && b.textContent !== String(value)) {
        b.textContent = String(value);
        fit(b);
      }
    }
    const since = typeof c.since === "number" ? hhmm(c.since) : null;
    if (since !== null && sinceTime.textContent !== since) sinceTime.textContent = since;
  }

  /* -- the queue: one node per item, updated in place ------------------------------------------ */
  function lane(item) {
    return (item.kind || "question") === "complaint" ? $("complaints") : $("queue");
  }

  // the server's clock minus this computer's, so that waits are right on a console whose clock is off
  let clockOffset = 0;
  const NAMES_SHOWN = 3;

  function waited(item) {
    const s = Math.max(0, Date.now() / 1000 + clockOffset - Number(item.created_at || 0));
    const m = Math.floor(s / 60);
    if (m < 1) return t("waited_now");
    return m < 60 ? t("waited_min", { m }) : t("waited_h", { h: Math.floor(m / 60), m: m % 60 });
  }

  function askers(item) {
    const seen = new Map([[item.viewer_id, item.name || item.viewer_id]]);
    for (const g of item.grouped || []) if (!seen.has(g.viewer_id)) seen.set(g.viewer_id, g.name || g.viewer_id);
    return [...seen.values()];
  }

  // answers half typed, kept in this browser per room until their item leaves the queue: a page
  // reloaded mid-show (a crash, a closed tab, a laptop restarted) gives them back
  const DRAFTS_KEY = "cohost.drafts." + roomId;
  function drafts() {
    try { return JSON.parse(localStorage.getItem(DRAFTS_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function keepDrafts(all) {
    try {
      if (Object.keys(all).length) localStorage.setItem(DRAFTS_KEY, JSON.stringify(all));
      else localStorage.removeItem(DRAFTS_KEY);
    } catch (e) { /* storage full or refused: the box still holds the text */ }
  }
  function saveDraft(id, text) {
    const all = drafts();
    if (text.trim()) all[id] = text; else delete all[id];
    keepDrafts(all);
  }

  function buildItem(item) {
    const id = item.escalation_id;
    const input = el("input", { class: "answer-text", maxlength: 500, "data-i18n-placeholder": "answer_ph",
      placeholder: t("answer_ph"), autocomplete: "off" });
    input.value = drafts()[id] || "";
    input.addEventListener("input", () => saveDraft(id, input.value));
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.isComposing) { ev.preventDefault(); answer(id, input); }
      else if (ev.key === "Escape") { input.blur(); select(id); }
    });
    const node = el("div", { class: "item", tabindex: "-1", dataset: { escalation: id } },
      el("div", { class: "head" },
        el("input", { type: "checkbox", class: "pick", "aria-label": "select" }),
        el("span", { class: "pill kind" }),
        el("span", { class: "pill count" }),
        el("b", { class: "askers" }), el("span", { class: "asked-colon" }), el("span", { class: "question" })),
      el("div", { class: "muted meta" },
        el("span", { class: "age" }), el("span", { class: "sep-product", text: " · " }), el("span", { class: "product" }),
        " · ", el("span", { class: "reason" }), el("span", { class: "sep-conf", text: " · " }), el("span", { class: "conf" })),
      el("div", { class: "guess-row" }, el("span", { class: "guess-label" }), ": ", el("span", { class: "guess" }),
        " ", el("span", { class: "muted source" })),
      el("div", { class: "row" }, input,
        el("button", { type: "button", class: "answer primary", "data-i18n": "answer", text: t("answer"),
          onclick: () => answer(id, input) }),
        el("button", { type: "button", class: "approve", "data-i18n": "approve", text: t("approve"),
          onclick: () => approve(id) }),
        el("button", { type: "button", class: "dismiss", "data-i18n": "dismiss", text: t("dismiss"),
          onclick: () => dismiss([id]) })));
    node.addEventListener("click", (ev) => { if (!ev.target.closest("button, input")) select(id); });
    return node;
  }

  function fillItem(node, item) {
    const set = (sel, text) => { const n = node.querySelector(sel); if (n.textContent !== text) n.textContent = text; };
    const complaint = (item.kind || "question") === "complaint";
    node.classList.toggle("complaint", complaint);
    node.querySelector(".kind").hidden = !complaint;
    set(".kind", t("complaint"));
    set(".asked-colon", t("asked_colon"));
    const who = askers(item);
    node.dataset.count = String(who.length);
    node.querySelector(".count").hidden = who.length < 2;
    set(".count", t("asked_n", { n: who.length }));
    // a question many asked names the first few; the rest are counted (all of them on hover)
    const shown = who.slice(0, NAMES_SHOWN).map((n) => "@" + n).join(" ");
    const more = who.length - NAMES_SHOWN;
    set(".askers", more > 1 ? shown + " " + t("and_more", { n: more }) : who.map((n) => "@" + n).join(" "));
    node.querySelector(".askers").title = who.join(", ");
    set(".age", waited(item));
    set(".question", item.text);
    // the product on screen when asked, where the bot tied the comment to none or to another one:
    // a complaint about "the bottle" while the liquor is shown is the streamer's to place
    const watched = item.on_screen && item.on_screen !== item.product_id && products.has(item.on_screen);
    const aside = watched ? (LANG === "zh" ? "" : " ") + t("while_on_screen", { p: productName(item.on_screen) }) : "";
    set(".product", productName(item.product_id) + aside);
    set(".reason", reasonLabel(item.reason));
    node.querySelector(".reason").dataset.reason = item.reason || "";
    set(".conf", confidence(item));
    // "product unknown" beside the reason that says so, and a complaint's confidence, say nothing
    const noProduct = !item.product_id && reasonKey(item.reason) === "no_product" && !watched;
    for (const [sel, hide] of [["product", noProduct], ["conf", complaint]]) {
      node.querySelector("." + sel).hidden = hide;
      node.querySelector(".sep-" + sel).hidden = hide;
    }
    // a guess is worth showing (and sending with one click) only from the console's threshold up
    const showGuess = Boolean(item.guess) && !complaint && Number(item.confidence || 0) >= settings.guess_above;
    node.querySelector(".guess-row").hidden = !showGuess;
    node.querySelector("button.approve").hidden = !showGuess;
    set(".guess-label", t("guess"));
    set(".guess", item.guess || "");
    set(".source", sourceLabel(item));
    // "only the product on screen": the other questions wait out of sight (complaints never do)
    node.hidden = $("on-screen-only").checked && onScreen !== null && !complaint && item.product_id !== onScreen;
    node.style.order = String(rank(item));
  }

  // where an item stands in its lane, by the order chosen (kept in this browser): the node stays where
  // it is in the page and CSS `order` places it, so a box being typed in never leaves the page (and
  // its focus) when another item moves past it
  const ORDER_KEY = "cohost.queue_order";
  try { $("queue-order").value = localStorage.getItem(ORDER_KEY) || "oldest"; } catch (e) { /* refused */ }
  if (!$("queue-order").value) $("queue-order").value = "oldest";
  function lastAsked(item) {
    return Math.max(Number(item.created_at || 0), ...(item.grouped || []).map((g) => Number(g.created_at || 0)));
  }
  // ranks in hundredths of a second from the page's load, within ±11 days: CSS takes an int32
  const BASE_S = Date.now() / 1000;
  const since = (t) => Math.max(-1e8, Math.min(1e8, Math.round((Number(t || 0) - BASE_S) * 100)));
  function rank(item) {
    const order = $("queue-order").value;
    const first = since(item.created_at);
    if (order === "newest") return -since(lastAsked(item));
    if (order === "most_asked") return -Math.min(askers(item).length, 20) * 1e8 + first; // then the first asked
    return first;
  }
  $("queue-order").addEventListener("change", (ev) => {
    try { localStorage.setItem(ORDER_KEY, ev.target.value); } catch (e) { /* the order still applies */ }
    for (const { item, node } of items.values()) fillItem(node, item);
  });

  function sourceLabel(item) {
    if (!item.source) return "";
    const p = products.get(item.product_id) || {};
    const faq = p.faq || {};
    if (item.source in faq) return t("from_faq", { q: (LANG === "en" && (p.faq_en || {})[item.source]) || faq[item.source] });
    // a field by its name: in Chinese as the shelf's fields are called ("价格", not "price"), in
    // English the key's words
    const zh = item.source === "link" ? "链接号" : (p.fields || {})[item.source];
    return t("from_field", { f: LANG === "zh" && zh ? zh : item.source.replace(/_/g, " ") });
  }

  function upsertItem(item) {
    const known = items.get(item.escalation_id);
    if (known) {
      known.item = item;
      fillItem(known.node, item);
    } else {
      const node = buildItem(item);
      fillItem(node, item);
      items.set(item.escalation_id, { item, node });
      lane(item).append(node);
    }
    sizes();
  }

  // `own`: this page answered or dismissed it, and the streamer goes on to the next item's answer box.
  // Taken away otherwise (expired, handled on another console) while the streamer was in its box, the
  // next item is only selected: what they go on typing must not land in another question's box
  function removeItem(id, own) {
    const known = items.get(id);
    if (!known) return;
    const shown = ordered(), at = shown.indexOf(known.node);
    const next = at < 0 ? null : shown[at + 1] || shown[at - 1];
    const hadFocus = known.node.contains(document.activeElement);
    const typed = known.node.querySelector("input.answer-text").value.trim();
    known.node.remove();
    items.delete(id);
    saveDraft(id, ""); // answered, dismissed or expired: its draft goes with it
    if (selected === id) {
      selected = null;
      if (next) select(next.dataset.escalation, hadFocus && own);
    }
    if (hadFocus && !own) {
      // what they wrote is said back (not lost with the item), and the keys they go on pressing for a
      // moment are taken as typing, not as j / k / x / Enter on the queue
      status(typed ? () => t("taken_away_text", { text: typed }) : "taken_away");
      keysQuietUntil = Date.now() + KEYS_QUIET_MS;
    }
    sizes();
  }

  function syncQueue(queue) {
    const open = new Set(queue.map((i) => i.escalation_id));
    for (const id of [...items.keys()]) if (!open.has(id)) removeItem(id);
    for (const item of queue) upsertItem(item);
    // drafts of items that left the queue while this page was closed
    const all = drafts();
    for (const id of Object.keys(all)) if (!open.has(id)) delete all[id];
    keepDrafts(all);
  }

  function sizes() {
    const q = $("queue").children.length, c = $("complaints").children.length;
    const shown = [...$("queue").children].filter((n) => !n.hidden).length;
    // with "only the product on screen": how many of them are shown (23 said while 6 were)
    $("queue-size").textContent = shown < q ? t("shown_of", { shown, all: q }) : String(q);
    $("complaints-size").textContent = String(c);
    $("queue-empty").hidden = q > 0;
    $("complaints-empty").hidden = c > 0;
    held();
  }

  // the answers the bot would have sent but for the pause: once resumed, sent together in one click
  function pausedIds() {
    return [...items.values()].filter(({ item }) => reasonKey(item.reason) === "paused" && item.guess).map(({ item }) => item.escalation_id);
  }
  function held() {
    const n = settings.paused ? 0 : pausedIds().length;
    const button = $("send-paused");
    button.hidden = n === 0;
    button.textContent = t("send_paused", { n: n });
  }
  $("send-paused").addEventListener("click", async () => {
    let sent = 0;
    for (const id of pausedIds()) if ((await approve(id)).ok) sent += 1;
    status(t("sent_paused", { n: sent }), true);
  });

  // an event on one item by this page: its queue_resolved is this page's own (removeItem's `own`)
  async function callOwn(id, event, payload) {
    mine.add(id);
    const ack = await call(event, Object.assign({ escalation_id: id }, payload));
    mine.delete(id);
    return ack;
  }

  async function answer(id, input) {
    const text = input.value.trim();
    if (!text) { input.focus(); return; }
    const ack = await callOwn(id, "queue_answer", { text: text });
    if (ack.ok) { removeItem(id, true); quiet(); }
  }

  async function approve(id) {
    const ack = await callOwn(id, "queue_answer", { use_guess: true });
    if (ack.ok) removeItem(id, true);
    // taught: the next viewer asking so gets this answer from the bot, so a guess approved unread
    // would go on being sent; the notice offers to take it back
    if (ack.taught) { status("taught"); unteachable(id); } else if (ack.ok) quiet();
    return ack;
  }

  $("unteach").addEventListener("click", async () => {
    if (unteachId === null) return;
    const ack = await call("queue_unteach", { escalation_id: unteachId });
    if (ack.ok) status("untaught");
  });

  const DISMISS_BATCH = 500; // queue_dismiss_many takes at most this many ids

  async function dismiss(ids) {
    if (!ids.length) return;
    if (ids.length === 1) {
      const ack = await callOwn(ids[0], "queue_dismiss", {});
      // not open any more (answered, expired or dismissed elsewhere): nothing to dismiss, it goes too
      if (ack.ok || ack.error.code === "unknown_escalation") { removeItem(ids[0], true); quiet(); }
      return;
    }
    let count = 0;
    for (let i = 0; i < ids.length; i += DISMISS_BATCH) { // a long queue ticked whole: in batches
      const batch = ids.slice(i, i + DISMISS_BATCH);
      const ack = await call("queue_dismiss_many", { escalation_ids: batch });
      if (!ack.ok) return;
      count += ack.dismissed.length;
      for (const id of batch) removeItem(id, true); // dismissed now, or no longer open (skipped by the server)
    }
    status(t("dismissed_n", { n: count }), true);
  }

  /* -- keyboard: j / k move, Enter opens the answer box (Enter in it sends), x ticks ----------- */
  // after the box being typed in was taken away: the streamer is still typing, not driving the queue
  const KEYS_QUIET_MS = 2000;
  let keysQuietUntil = 0;

  function ordered() { // as shown: each lane by its items' CSS order (then as they came)
    const lane = (node) => [...node.children].map((n, i) => [Number(n.style.order || 0), i, n])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
    return [...lane($("queue")), ...lane($("complaints"))].filter((n) => !n.hidden);
  }

  // the sticky bar's height, under which the queue and the shelf scroll in their own boxes (style.css)
  const bar = document.querySelector(".sticky-top");
  new ResizeObserver(() => document.documentElement.style.setProperty("--bar-h", bar.offsetHeight + "px")).observe(bar);

  function select(id, focusBox) {
    for (const n of document.querySelectorAll(".item.selected")) n.classList.remove("selected");
    const known = items.get(id);
    selected = known ? id : null;
    if (!known) return;
    known.node.classList.add("selected");
    if (focusBox) known.node.querySelector("input.answer-text").focus();
    else known.node.focus({ preventScroll: false });
  }

  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest && ev.target.closest("input, textarea, select, button");
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey || Date.now() < keysQuietUntil) return;
    const list = ordered();
    if (!list.length) return;
    const at = list.findIndex((n) => n.dataset.escalation === selected);
    if (ev.key === "j" || ev.key === "k") {
      const to = at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + (ev.key === "j" ? 1 : -1)));
      select(list[to].dataset.escalation);
    } else if (ev.key === "Enter") {
      select((at < 0 ? list[0] : list[at]).dataset.escalation, true);
    } else if (ev.key === "x" && at >= 0) {
      const box = list[at].querySelector("input.pick");
      box.checked = !box.checked;
    } else return;
    ev.preventDefault();
  });

  $("select-all").addEventListener("change", (ev) => {
    for (const box of document.querySelectorAll("#queue .item:not([hidden]) input.pick")) box.checked = ev.target.checked;
  });
  $("on-screen-only").addEventListener("change", () => {
    for (const { item, node } of items.values()) fillItem(node, item);
    sizes();
  });
  $("dismiss-selected").addEventListener("click", async () => {
    const ids = [...document.querySelectorAll(".item:not([hidden]) input.pick:checked")].map((b) => b.closest(".item").dataset.escalation);
    await dismiss(ids);
    $("select-all").checked = false;
  });

  /* -- the shelf: rows updated in place; an edited box keeps what the streamer typed ------------ */
  const PRICE = /^\d+(\.\d{1,2})?$/;
  const STOCK = /^\d+$/;

  function renderShelf(s) {
    onScreen = s.on_screen;
    const body = $("shelf");
    const seen = new Set();
    for (const p of s.products) {
      products.set(p.product_id, p);
      seen.add(p.product_id);
      let row = body.querySelector(`tr[data-product="${CSS.escape(p.product_id)}"]`);
      if (!row) body.append(row = buildRow(p.product_id));
      fillRow(row, p);
    }
    for (const row of [...body.children]) if (!seen.has(row.dataset.product)) row.remove();
    for (const [pid] of products) if (!seen.has(pid)) products.delete(pid);
    for (const { item, node } of items.values()) fillItem(node, item); // names may have changed
    sizes(); // and which are shown, with another product on screen
  }

  function buildRow(pid) {
    const price = el("input", { type: "text", inputmode: "decimal", class: "price", "aria-label": "price" });
    const stock = el("input", { type: "text", inputmode: "numeric", class: "stock", "aria-label": "stock" });
    for (const box of [price, stock]) box.addEventListener("keydown", (ev) => { if (ev.key === "Enter") save(pid); });
    return el("tr", { dataset: { product: pid } },
      el("td", { class: "link" }),
      el("td", {}, el("span", { class: "title" }), " ", el("span", { class: "pill on-screen-pill", "data-i18n": "on_screen", text: t("on_screen") }),
        " ", el("span", { class: "pill sold-out-pill", "data-i18n": "sold_out", text: t("sold_out") })),
      el("td", {}, price, el("div", { class: "versions muted" })), el("td", {}, stock),
      el("td", {},
        el("button", { type: "button", class: "save", "data-i18n": "save", text: t("save"), onclick: () => save(pid) }),
        el("button", { type: "button", class: "show", onclick: () => toggleScreen(pid) }),
        el("div", { class: "row-msg" })));
  }

  function fillRow(row, p) {
    row.classList.toggle("on-screen", p.product_id === onScreen);
    row.querySelector(".on-screen-pill").hidden = p.product_id !== onScreen;
    row.querySelector(".sold-out-pill").hidden = Number(p.stock) > 0; // a product out of stock said so
    row.querySelector(".link").textContent = t("link", { n: p.link });
    row.querySelector(".title").textContent = titleOf(p);
    row.querySelector("button.show").textContent = t(p.product_id === onScreen ? "unshow" : "show");
    // a product sold in versions at several prices: a box per version; the price box shows the
    // lowest of them (the cards' and pages' "from" price), which follows them
    const versions = Object.keys(p.prices || {});
    const priceBox = row.querySelector("input.price");
    priceBox.readOnly = versions.length > 0;
    if (versions.length) Object.assign(priceBox, { title: t("price_follows") }).dataset.i18nTitle = "price_follows";
    else { priceBox.removeAttribute("title"); delete priceBox.dataset.i18nTitle; }
    const holder = row.querySelector(".versions");
    if (holder.dataset.versions !== JSON.stringify([LANG, versions])) { // built again only when they (or the language) change
      holder.dataset.versions = JSON.stringify([LANG, versions]);
      clear(holder).append(...versions.map((v) => {
        const name = (LANG === "en" && (p.versions_en || {})[v]) || v; // the English console: the catalog's English name
        const box = el("input", { type: "text", inputmode: "decimal", class: "version-price", "aria-label": name, dataset: { version: v } });
        box.addEventListener("keydown", (ev) => { if (ev.key === "Enter") save(p.product_id); });
        return el("label", { class: "version" }, el("span", { text: name + " " }), box);
      }));
    }
    const boxes = [["price", p.price, priceBox], ["stock", p.stock, row.querySelector("input.stock")],
      ...versions.map((v) => [v, p.prices[v], holder.querySelector(`input[data-version="${CSS.escape(v)}"]`)])];
    for (const [, value, box] of boxes) {
      // a box still holding the last value the server gave follows the server (another console's
      // change too, also while focused after a save); one the streamer is typing in is left alone
      const untouched = box.dataset.server === undefined || box.value === box.dataset.server;
      box.dataset.server = String(value);
      if (untouched) box.value = String(value);
    }
  }

  // `text`: a text, or a node holding it (a refusal: showError keeps it in the page's language)
  function rowMessage(pid, text, isError, actions) {
    const row = $("shelf").querySelector(`tr[data-product="${CSS.escape(pid)}"]`);
    const box = clear(row.querySelector(".row-msg"));
    box.classList.toggle("error", Boolean(isError));
    if (text) box.append(typeof text === "string" ? el("span", { text: text }) : text, ...(actions || []));
  }

  // a page text in a node of its own, said again in the new language when the language changes
  function said(key, vars) {
    return sayIn(el("span"), key, vars);
  }

  function rowRefused(pid, error) {
    return rowMessage(pid, showError(el("span"), error), true);
  }

  function describe(p, values) {
    const parts = [];
    if ("price" in values) parts.push(t("col_price") + " " + money(values.price));
    for (const [v, amount] of Object.entries(values.prices || {})) parts.push(v + " " + money(amount));
    if ("stock" in values) parts.push(t("col_stock") + " " + values.stock);
    return t("link", { n: p.link }) + " " + parts.join(", ");
  }

  async function save(pid, confirmed) {
    const p = products.get(pid);
    const row = $("shelf").querySelector(`tr[data-product="${CSS.escape(pid)}"]`);
    const priceText = row.querySelector("input.price").value.trim();
    const stockText = row.querySelector("input.stock").value.trim();
    const versionBoxes = [...row.querySelectorAll("input.version-price")];
    if (!PRICE.test(priceText) || versionBoxes.some((b) => !PRICE.test(b.value.trim()))) {
      return rowMessage(pid, said("bad_price"), true);
    }
    if (!STOCK.test(stockText)) return rowMessage(pid, said("bad_stock"), true);
    const values = {};
    // a product priced by version changes its versions' prices; its price follows (the lowest)
    const prices = Object.fromEntries(versionBoxes.map((b) => [b.dataset.version, Number(b.value.trim())])
      .filter(([v, amount]) => amount !== p.prices[v]));
    if (Object.keys(prices).length) values.prices = prices;
    else if (!versionBoxes.length && Number(priceText) !== p.price) values.price = Number(priceText);
    if (parseInt(stockText, 10) !== p.stock) values.stock = parseInt(stockText, 10);
    if (!Object.keys(values).length) return rowMessage(pid, said("nothing_changed"), false);
    const data = await patch(pid, confirmed ? { ...values, confirm: true } : values);
    if (data.ok) {
      rowMessage(pid, "", false);
      shelfStatus(() => t("saved", { p: titleOf(p), what: describe(p, values) }));
      remember(pid, data.previous, values);
    } else if (data.error && data.error.code === "confirm_price_jump") {
      // the price the server asks about: the product's, or the first version's changed that much
      const [what, old, now] = jumped(p, values);
      rowMessage(pid, said("jump", { p: titleOf(p) + what, old: money(old), new: money(now) }), true, [
        el("button", { type: "button", class: "confirm primary", text: t("confirm"), onclick: () => save(pid, true) }),
        el("button", { type: "button", class: "cancel", text: t("cancel"), onclick: () => {
          row.querySelector("input.price").value = String(p.price);
          for (const box of versionBoxes) box.value = String(p.prices[box.dataset.version]);
          rowMessage(pid, "", false);
        } })]);
    } else {
      rowRefused(pid, data.error);
    }
  }

  // the price a change makes jump (as the server's rule: below half, above three times), with the
  // version it is of (" 大号"; "" for the product's price)
  function jumped(p, values) {
    if (!values.prices) return ["", p.price, values.price];
    const changed = Object.entries(values.prices).map(([v, amount]) => [" " + v, p.prices[v], amount]);
    return changed.find(([, old, now]) => old > 0 && (now < old / 2 || now > old * 3)) || changed[0];
  }

  async function patch(pid, body) {
    const data = await api("PATCH", "/api/rooms/" + encodeURIComponent(roomId) + "/products/" + encodeURIComponent(pid), body);
    if (data.ok) { // the shelf event follows; show the new values at once
      const p = products.get(pid);
      for (const key of ["price", "stock"]) if (key in data) p[key] = data[key];
      if (data.prices) p.prices = { ...p.prices, ...data.prices };
      renderShelf({ on_screen: onScreen, products: [...products.values()] });
    }
    return data;
  }

  function remember(pid, previous, now) {
    // `now`: the values set, which the undo expects to find (another console may have changed them since)
    lastChange = previous && Object.keys(previous).length ? { product_id: pid, values: previous, now } : null;
    renderUndo();
  }

  function shelfStatus(say) {
    shelfSay = say;
    $("shelf-status").textContent = say();
  }

  function renderUndo() {
    const button = $("undo");
    button.hidden = !lastChange;
    if (lastChange) button.textContent = t("undo", { what: describe(products.get(lastChange.product_id), lastChange.values) });
  }

  $("undo").addEventListener("click", async () => {
    if (!lastChange) return;
    const { product_id: pid, values, now } = lastChange;
    const data = await patch(pid, { ...values, confirm: true, expect: now });
    if (!data.ok) {
      if (data.error && data.error.code === "changed_since") {
        lastChange = null;
        renderUndo();
        return rowMessage(pid, said("changed_since"), true);
      }
      return rowRefused(pid, data.error);
    }
    const p = products.get(pid);
    shelfStatus(() => t("undone", { what: describe(p, values) }));
    lastChange = null;
    renderUndo();
  });

  async function toggleScreen(pid) {
    const data = await api("POST", "/api/rooms/" + encodeURIComponent(roomId) + "/on_screen",
      { product_id: pid === onScreen ? null : pid });
    if (!data.ok) refused(data.error);
  }

  /* -- settings and timers ---------------------------------------------------------------------- */
  const SETTING_BOXES = [["approve-below", "approve_below"], ["guess-above", "guess_above"], ["expire-min", "expire_min"]];

  function renderSettings(s) {
    const guessChanged = s.guess_above !== settings.guess_above;
    settings = s;
    const pause = $("pause");
    pause.dataset.i18n = s.paused ? "resume" : "pause";
    pause.textContent = t(pause.dataset.i18n);
    pause.dataset.paused = s.paused ? "1" : "0";
    $("paused-banner").hidden = !s.paused; // a streamer must not forget the bot is not answering
    $("approve-mode").checked = s.approve_mode;
    for (const [id, key] of SETTING_BOXES) {
      if (document.activeElement !== $(id)) $(id).value = s[key];
    }
    if (guessChanged) for (const { item, node } of items.values()) fillItem(node, item);
    held();
  }

  async function changeSettings(payload) {
    const ack = await call("console_settings", payload);
    if (ack.ok) renderSettings(ack.settings);
    else showKept(); // the status line says why; the boxes must not show a value the server refused
  }

  function showKept() {
    for (const [id, key] of SETTING_BOXES) $(id).value = settings[key];
    $("approve-mode").checked = settings.approve_mode;
  }

  $("pause").addEventListener("click", () => changeSettings({ paused: !settings.paused }));
  $("approve-mode").addEventListener("change", (ev) => changeSettings({ approve_mode: ev.target.checked }));
  for (const [id, key] of SETTING_BOXES) {
    $(id).addEventListener("change", (ev) => {
      const value = parseFloat(ev.target.value);
      if (Number.isNaN(value)) showKept(); else changeSettings({ [key]: value });
    });
  }

  function renderTimers(given) {
    // by id: the ack of timer_set and the console_timers it sends to every console may both add one
    const timers = [...new Map(given.map((tm) => [tm.timer_id, tm])).values()];
    const list = clear($("timers"));
    for (const tm of timers) {
      const every = [tm.every_min ? t("every") + " " + tm.every_min + " " + t("minutes") : "",
        tm.every_comments ? t("every") + " " + tm.every_comments + " " + t("comments_unit") : ""].filter(Boolean).join(" / ");
      list.append(el("li", { dataset: { timer: tm.timer_id } }, el("span", { text: tm.text }), " ",
        el("span", { class: "muted", text: every + " · " + t("sent_n", { n: tm.sent }) }), " ",
        el("button", { type: "button", text: t("remove"), onclick: async () => {
          const ack = await call("timer_clear", { timer_id: tm.timer_id });
          if (ack.ok) renderTimers(timers.filter((x) => x.timer_id !== tm.timer_id));
        } })));
    }
    $("timers").dataset.timers = JSON.stringify(timers);
  }

  $("announce").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("announce-text");
    if (!input.value.trim()) return;
    const ack = await call("announce", { text: input.value.trim() });
    if (ack.ok) { input.value = ""; status("announced"); }
  });
  $("timer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const payload = { text: $("timer-text").value.trim() };
    const minutes = parseFloat($("timer-min").value);
    const comments = parseInt($("timer-comments").value, 10);
    if (!Number.isNaN(minutes)) payload.every_min = minutes;
    if (!Number.isNaN(comments)) payload.every_comments = comments;
    const ack = await call("timer_set", payload);
    if (ack.ok) {
      renderTimers([...JSON.parse($("timers").dataset.timers || "[]"), ack.timer]);
      for (const id of ["timer-text", "timer-min", "timer-comments"]) $(id).value = "";
    }
  });

  /* -- language --------------------------------------------------------------------------------- */
  $("lang").append(langSwitch());
  applyI18n();
  onLangChange(() => {
    if (statusSay) { const keep = unteachId; status(statusSay); unteachable(keep); }
    if (shelfSay) shelfStatus(shelfSay);
    renderShelf({ on_screen: onScreen, products: [...products.values()] });
    renderSettings(settings);
    for (const { item, node } of items.values()) fillItem(node, item);
    renderTimers(JSON.parse($("timers").dataset.timers || "[]"));
    renderUndo();
    for (const n of document.querySelectorAll("#moderation .reason")) n.textContent = reasonLabel(n.dataset.reason);
  });
  sizes();
})();
