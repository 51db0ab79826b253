/* Viewer page: joins the room, sends comments, shows the bot's replies, the product on screen by its
   name and the product cards pushed to this viewer (one per product: a card pushed again refreshes the
   one shown), and sends card_click / add_to_cart / purchase for the card buttons. Names and card
   reasons follow the page's 中文 / English switch, never the language of one question. */
"use strict";

addStrings({
  zh: {
    "room.heading": "直播间",
    "room.connecting": "连接中…",
    "room.joined": "已进入 · {name}",
    "room.guest": "观众{id}",
    "room.refused": "无法进入：{message}",
    "room.disconnected": "已断开，正在重连…",
    "room.chat": "聊天",
    "room.placeholder": "问问主播… 例如 3号链接多少钱",
    "room.send": "发送",
    "room.onScreen": "正在讲解",
    "room.shownEarlier": "之前讲解过",
    "room.nothingOnScreen": "主播还没有讲解商品。",
    "room.cards": "商品卡片",
    "room.noCards": "问一个商品问题，卡片会出现在这里。",
    "room.link": "{link}号",
    "room.bot": "小助手",
    "room.streamer": "主播",
    "room.onlyYou": "仅你可见",
    "room.helpful": "有用",
    "room.helpfulTitle": "这个回答有用",
    "room.wrong": "答错了",
    "room.wrongTitle": "答错了或没有帮助",
    "room.thanks": "谢谢反馈",
    "room.escalated": "已转给主播",
    "room.queueFull": "你已有几个问题在等主播回答，这条先没转过去，稍后再问",
    "room.view": "查看",
    "room.cart": "加购",
    "room.buy": "购买",
    "room.viewed": "已查看",
    "room.carted": "已加入购物车",
    "room.bought": "下单成功",
    "room.outOfStock": "已售罄",
    "room.fromPrice": "{price}起",
    "room.err.rate_limited": "发得太快了，请稍等几秒再发",
    "room.err.comment_too_long": "评论太长了，请分几条发",
    "room.err.sold_out": "已售罄，下不了单",
    "room.err.not_in_room": "还没进入直播间，请稍候",
    "room.err.internal_error": "出了点问题，请再试一次",
    "room.err.unknown_card": "这张卡片已过期",
    "room.err.timeout": "服务器没有回应，请再试一次",
    "room.err.room_full": "直播间人数已满，请稍后再来",
    "room.err.unknown_room": "这个直播间现在没有开播",
    "room.err.viewer_taken": "这个观众号已在另一个窗口进入了直播间，请在那里继续",
    "room.err.unknown_product": "这个商品已不在货架上",
    "room.err.bad_payload": "请求有误：{message}",
  },
  en: {
    "room.heading": "Live room",
    "room.connecting": "connecting…",
    "room.joined": "joined as {name}",
    "room.guest": "viewer {id}",
    "room.refused": "could not join: {message}",
    "room.disconnected": "disconnected, reconnecting…",
    "room.chat": "Chat",
    "room.placeholder": "Ask the host… e.g. how much is link 3",
    "room.send": "Send",
    "room.onScreen": "On screen now",
    "room.shownEarlier": "Shown earlier",
    "room.nothingOnScreen": "Nothing on screen yet.",
    "room.cards": "Product cards",
    "room.noCards": "Ask about a product and its card shows up here.",
    "room.link": "Link {link}",
    "room.bot": "Assistant",
    "room.streamer": "Host",
    "room.onlyYou": "only you see this",
    "room.helpful": "Helpful",
    "room.helpfulTitle": "this answer helped",
    "room.wrong": "Wrong",
    "room.wrongTitle": "wrong or not helpful",
    "room.thanks": "Thanks for the feedback",
    "room.escalated": "passed to the host",
    "room.queueFull": "you already have questions waiting for the host; this one was not passed on, ask again later",
    "room.view": "View",
    "room.cart": "Add to cart",
    "room.buy": "Buy",
    "room.viewed": "viewed",
    "room.carted": "added to your cart",
    "room.bought": "order placed",
    "room.outOfStock": "sold out",
    "room.fromPrice": "from {price}",
    "room.err.rate_limited": "you are sending too fast; wait a few seconds",
    "room.err.comment_too_long": "that comment is too long; send it in parts",
    "room.err.sold_out": "sold out: it cannot be ordered",
    "room.err.not_in_room": "not in the room yet; wait a moment",
    "room.err.internal_error": "something went wrong; try again",
    "room.err.unknown_card": "this card has expired",
    "room.err.timeout": "no answer from the server; try again",
    "room.err.room_full": "the room is full; try again later",
    "room.err.unknown_room": "this room is not live now",
    "room.err.viewer_taken": "this viewer is in the room in another window; carry on there",
    "room.err.unknown_product": "this product is no longer on the shelf",
    "room.err.bad_payload": "bad request: {message}",
  },
});

(function () {
  const roomId = document.body.dataset.room;
  const params = new URLSearchParams(location.search);
  let viewerId = params.get("viewer") || sessionStorage.getItem("cohost-viewer");
  if (!viewerId || !/^[A-Za-z0-9_.:@-]{1,128}$/.test(viewerId)) {
    viewerId = "web-" + Math.random().toString(36).slice(2, 10);
  }
  sessionStorage.setItem("cohost-viewer", viewerId);
  // a viewer who gave no name and whose id the page made up is "观众k3x9" to the room, not
  // "@web-k3x9q2vd" (a trial: replies read as addressed to a machine)
  const made = /^web-[a-z0-9]{8}$/.test(viewerId) && !params.get("viewer");
  const fallback = made ? t("room.guest", { id: viewerId.slice(-4) }) : viewerId;
  // at most 64 characters as the server counts them (code points): slicing UTF-16 units would cut
  // an emoji in half, and the lone half makes the name one the server refuses
  const name = Array.from(params.get("name") || fallback).slice(0, 64).join("");
  const tokenKey = "cohost-viewer-token:" + roomId + ":" + viewerId;

  const chat = document.getElementById("chat");
  const cards = document.getElementById("cards");
  const statusLine = document.getElementById("status");
  const onScreen = document.getElementById("on-screen");
  const products = {}; // product_id -> {product_id, link, titles, price, original_price, in_stock}
  const shown = new Map(); // product_id -> {card: the last payload, node}: one card per product
  let onScreenId = null;
  let statusKey = ["room.connecting", {}];
  const socket = io({ transports: ["websocket", "polling"] });

  document.getElementById("lang").append(langSwitch());
  applyI18n();

  function named(titles) {
    return (titles && (titles[LANG] || titles.zh || titles.en)) || "";
  }

  // `vars`: the key's values, or a function giving them (in the page's language when it changes)
  function status(key, vars) {
    statusKey = [key, vars || {}];
    delete statusLine.dataset.i18n; // drawn here, with the viewer's name in it
    statusLine.textContent = t(key, typeof vars === "function" ? vars() : vars);
  }

  function refusedJoin(error) {
    status("room.refused", () => ({ message: errorText(error, "room.err.") }));
  }

  function say(node) {
    chat.append(node);
    chat.scrollTop = chat.scrollHeight;
  }

  async function loadProducts() {
    try {
      const r = await fetch("/room/" + encodeURIComponent(roomId) + "/products.json");
      const data = await r.json();
      useCurrency(data.currency);
      for (const p of data.products || []) products[p.product_id] = p;
    } catch (e) { /* the on-screen box waits for the next on_screen event */ }
  }

  // a refusal the page knows is said in the page's language; any other in the server's words
  function refusal(node, error) {
    return showError(node, error, "room.err.");
  }

  function label(key, vars) {
    return el("span", { "data-i18n": key, text: t(key, vars) });
  }

  /* Buttons that send a behaviour event; the outcome is written on the card's own result line. */
  function actions(c, line) {
    async function act(event, payload, done) {
      const ack = await emitAck(socket, event, payload);
      if (ack.ok) {
        line.dataset.i18n = done;
        line.textContent = t(done);
      } else refusal(line, ack.error);
    }
    const cardId = c.card_id || null;
    const buttons = [];
    if (cardId) {
      buttons.push(el("button", { type: "button", class: "click", "data-i18n": "room.view", text: t("room.view"),
        onclick: () => act("card_click", { card_id: cardId }, "room.viewed") }));
    }
    buttons.push(
      el("button", { type: "button", class: "cart", "data-i18n": "room.cart", text: t("room.cart"), disabled: !c.in_stock,
        onclick: () => act("add_to_cart", { product_id: c.product_id, card_id: cardId }, "room.carted") }),
      el("button", { type: "button", class: "buy primary", "data-i18n": "room.buy", text: t("room.buy"), disabled: !c.in_stock,
        onclick: () => act("purchase", { product_id: c.product_id, card_id: cardId, qty: 1 }, "room.bought") })
    );
    return el("div", { class: "actions" }, ...buttons);
  }

  // the outcome line of a card ("已加入购物车"), kept when the card is drawn again
  function keptResult(node) {
    const line = el("div", { class: "muted result" });
    const old = node && node.querySelector(".result");
    if (old && old.dataset.i18n) { line.dataset.i18n = old.dataset.i18n; line.textContent = t(old.dataset.i18n); }
    else if (old) line.textContent = old.textContent;
    return line;
  }

  // a card pushed because its product was on screen says so only while it is: once the streamer has
  // moved on it says "之前讲解过", and "正在讲解" again if the product comes back
  function reason(c) {
    if (c.reason_key === "on_screen" && c.product_id !== onScreenId) return t("room.shownEarlier");
    return named(c.reasons) || c.reason || "";
  }

  // the price of a card or of the product on screen; of a product sold in versions at several
  // prices (`prices`, its `price` the lowest), "from" that price, each version's price below. A
  // price the streamer changed since (no longer the lowest) is shown as it is, alone
  function pricedFrom(p) {
    const amounts = Object.values(p.prices || {}).map(Number);
    return new Set(amounts).size > 1 && Number(p.price) === Math.min(...amounts);
  }

  function priceTag(p) {
    const from = pricedFrom(p);
    return el("span", { class: "price", text: from ? t("room.fromPrice", { price: money(p.price) }) : money(p.price) });
  }

  // each version's price under it, where the price is "from" (no hover on a phone); else nothing
  // (an empty text: the DOM's append writes a null as "null")
  function versionsLine(p) {
    if (!pricedFrom(p)) return "";
    return el("div", { class: "versions muted", text: versionPrices(p.prices, LANG === "en" ? p.versions_en : null) });
  }

  function drawCard(c, node) {
    const line = keptResult(node);
    const box = node || el("div", { class: "card" });
    box.dataset.card = c.card_id;
    box.dataset.product = c.product_id;
    clear(box).append(
      el("div", { class: "title" }, el("span", { class: "link", text: t("room.link", { link: c.link }) + " " }),
        el("span", { class: "name", text: named(c.titles) })),
      el("div", {}, priceTag(c),
        c.original_price ? el("span", { class: "was", text: money(c.original_price) }) : null,
        c.in_stock === false ? el("span", { class: "muted sold-out", "data-i18n": "room.outOfStock", text: t("room.outOfStock") }) : null),
      versionsLine(c),
      el("div", { class: "reason", text: reason(c) }),
      actions(c, line),
      line
    );
    return box;
  }

  function drawOnScreen() {
    const p = onScreenId ? products[onScreenId] : null;
    const same = onScreen.dataset.product === (onScreenId || ""); // redrawn, not another product
    onScreen.dataset.product = onScreenId || "";
    if (!p) {
      clear(onScreen).append(el("p", { class: "muted", "data-i18n": "room.nothingOnScreen", text: t("room.nothingOnScreen") }));
      return;
    }
    const line = keptResult(same ? onScreen.querySelector(".card") : null);
    clear(onScreen).append(
      el("div", { class: "card on-screen" },
        el("div", { class: "title" }, el("span", { class: "link", text: t("room.link", { link: p.link }) + " " }),
          el("span", { class: "name", text: named(p.titles) })),
        el("div", {}, priceTag(p),
          p.original_price ? el("span", { class: "was", text: money(p.original_price) }) : null,
          p.in_stock ? null : el("span", { class: "muted sold-out", "data-i18n": "room.outOfStock", text: t("room.outOfStock") })),
        versionsLine(p),
        actions(p, line),
        line)
    );
  }

  async function showOnScreen(productId, product) {
    onScreenId = productId || null;
    if (product) products[product.product_id] = product;
    for (const entry of shown.values()) {
      if (entry.card.reason_key === "on_screen") drawCard(entry.card, entry.node);
    }
    if (onScreenId && !products[onScreenId]) await loadProducts(); // a product added since the page loaded
    drawOnScreen();
  }

  socket.on("connect", async () => {
    const join = { room_id: roomId, viewer_id: viewerId, name: name };
    const token = sessionStorage.getItem(tokenKey);
    if (token) join.token = token; // the same viewer id joins again with the token it was given (docs/events.md)
    const ack = await emitAck(socket, "join_room", join);
    if (!ack.ok) return refusedJoin(ack.error);
    if (ack.viewer_token) sessionStorage.setItem(tokenKey, ack.viewer_token);
    status("room.joined", { name: name });
    await showOnScreen(ack.on_screen, null);
    document.body.dataset.joined = "1";
  });
  socket.on("disconnect", () => status("room.disconnected"));
  // a refused event is said beside what was refused (the acks); the header speaks of joining only
  socket.on("error", (e) => { if (!document.body.dataset.joined) refusedJoin(e); });
  socket.on("on_screen", (e) => showOnScreen(e.product_id, e.product));
  // a price or stock changed during the show: the product on screen and the cards held say it now
  socket.on("shelf_updated", (e) => {
    for (const p of e.products || []) products[p.product_id] = p;
    for (const entry of shown.values()) {
      const p = products[entry.card.product_id];
      if (!p) continue;
      entry.card = { ...entry.card, price: p.price, original_price: p.original_price, prices: p.prices, in_stock: p.in_stock };
      drawCard(entry.card, entry.node);
    }
    drawOnScreen();
  });

  socket.on("bot_reply", (r) => {
    const feedback = el("span", { class: "fb" }); // on answers only, not on the host's announcements
    const note = el("div", { class: "fb-note muted" }); // the outcome of a click: below the reply, never in it
    const said = r.source === "announcement" || r.source === "timer";
    for (const [key, helpful] of said ? [] : [["room.helpful", true], ["room.wrong", false]]) {
      feedback.append(
        el("button", {
          type: "button",
          class: helpful ? "up" : "down",
          "data-i18n": key,
          "data-i18n-title": key + "Title",
          text: t(key),
          title: t(key + "Title"),
          onclick: async () => {
            const ack = await emitAck(socket, "reply_feedback", { reply_id: r.reply_id, helpful: helpful });
            feedback.remove();
            if (ack.ok) {
              note.dataset.i18n = "room.thanks";
              note.textContent = t("room.thanks");
            } else refusal(note, ack.error);
          },
        })
      );
    }
    // an answer sent to the asker alone (the room's reply budget was spent) says so
    const who = el("span", { class: "who" }, label(r.author === "streamer" ? "room.streamer" : "room.bot"));
    if (r.audience === "asker") who.append(" · ", label("room.onlyYou"));
    say(
      el(
        "div",
        { class: "msg " + (r.author === "streamer" ? "streamer" : "bot"), dataset: { reply: r.reply_id } },
        who,
        el("span", { class: "text", text: r.text }),
        feedback,
        note
      )
    );
  });

  socket.on("product_card", (c) => {
    const noCards = document.getElementById("no-cards");
    if (noCards) noCards.remove();
    const before = shown.get(c.product_id);
    const node = drawCard(c, before ? before.node : null); // a card pushed again refreshes the one shown
    shown.set(c.product_id, { card: c, node: node });
    cards.prepend(node);
  });

  onLangChange(() => {
    status(statusKey[0], statusKey[1]);
    for (const entry of shown.values()) drawCard(entry.card, entry.node);
    drawOnScreen();
  });

  document.getElementById("say").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("comment");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const mine = el("div", { class: "msg mine" }, el("span", { class: "text", text: text }));
    say(mine);
    const ack = await emitAck(socket, "comment", { text: text });
    if (!ack.ok) mine.append(refusal(el("div", { class: "muted" }), ack.error));
    else {
      mine.dataset.comment = ack.comment_id;
      mine.dataset.kind = ack.kind;
      if (ack.escalated) mine.append(el("div", { class: "muted", "data-i18n": "room.escalated", text: t("room.escalated") }));
      // over the open-question limit: said, so that the viewer does not wait for an answer in vain
      else if (ack.queue_full) mine.append(el("div", { class: "muted", "data-i18n": "room.queueFull", text: t("room.queueFull") }));
    }
  });

  loadProducts().then(drawOnScreen);
})();
