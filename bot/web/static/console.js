/* Streamer console: streamer_join with the room's token, then the shelf (price, stock, on screen over
   the HTTP API), the queue of escalated questions, bot controls, announcements, timers and counters. */
"use strict";

(function () {
  const roomId = document.body.dataset.room;
  const token = document.body.dataset.token;
  const socket = io({ transports: ["websocket", "polling"] });
  const statusLine = document.getElementById("status");
  let state = null;

  const COUNTERS = [
    ["viewers", "观众 viewers"], ["comments_per_min", "评论/分钟"], ["comments", "评论 comments"],
    ["questions", "提问 questions"], ["answered", "已回答 answered"], ["escalated", "转人工 escalated"],
    ["streamer_answered", "主播回答"], ["cards_shown", "卡片 cards"], ["clicks", "点击 clicks"],
    ["carts", "加购 carts"], ["orders", "订单 orders"], ["revenue", "成交额 revenue"],
  ];

  function status(text) { statusLine.textContent = text; }

  async function call(event, payload) {
    const ack = await emitAck(socket, event, payload);
    if (!ack.ok) status(event + ": " + ack.error.message);
    return ack;
  }

  async function api(method, path, body) {
    const r = await fetch(path, {
      method: method,
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await r.json();
    if (!r.ok) status(path + ": " + (data.error ? data.error.message : r.status));
    return data;
  }

  socket.on("connect", async () => {
    const ack = await call("streamer_join", { room_id: roomId, token: token });
    if (!ack.ok) return;
    status("connected");
    document.body.dataset.joined = "1";
    await refresh();
  });
  socket.on("disconnect", () => status("disconnected"));
  socket.on("queue_item", () => refresh());
  socket.on("queue_resolved", () => refresh());
  socket.on("moderation", (m) => {
    document.getElementById("moderation").prepend(
      el("li", {}, el("b", { text: m.viewer_id }), " ", el("span", { text: m.reason })));
  });

  async function refresh() {
    const ack = await call("console_state", null);
    if (!ack.ok) return;
    state = ack;
    renderCounters(ack.counters);
    renderQueue(ack.queue);
    renderShelf(ack.products, ack.on_screen);
    renderSettings(ack.settings);
    renderTimers(ack.timers);
  }

  function renderCounters(c) {
    const box = clear(document.getElementById("counters"));
    for (const [key, label] of COUNTERS) {
      const value = key === "revenue" ? money(c[key]) : c[key];
      box.append(el("div", { class: "counter", dataset: { counter: key } },
        el("b", { text: value }), el("span", { class: "muted", text: label })));
    }
  }

  function renderQueue(queue) {
    document.getElementById("queue-size").textContent = String(queue.length);
    const box = clear(document.getElementById("queue"));
    if (!queue.length) box.append(el("p", { class: "muted", text: "没有待回答的问题。" }));
    for (const item of queue) {
      const input = el("input", { class: "answer-text", maxlength: 500, placeholder: "你的回答" });
      box.append(el("div", { class: "item", dataset: { escalation: item.escalation_id } },
        el("div", {}, el("b", { text: item.viewer_id }), "：", el("span", { class: "question", text: item.text })),
        el("div", { class: "muted" }, el("span", { text: (item.product_id || "?") + " · " + item.reason }),
          " · 置信度 " + Number(item.confidence).toFixed(2)),
        item.guess ? el("div", {}, "机器人猜测: ", el("span", { class: "guess", text: item.guess })) : null,
        el("div", { class: "row" }, input,
          el("button", { type: "button", class: "answer primary", text: "回答", onclick: async () => {
            if (input.value.trim()) await call("queue_answer", { escalation_id: item.escalation_id, text: input.value.trim() });
            refresh();
          } }),
          item.guess ? el("button", { type: "button", class: "approve", text: "采纳猜测", onclick: async () => {
            await call("queue_answer", { escalation_id: item.escalation_id, use_guess: true });
            refresh();
          } }) : null,
          el("button", { type: "button", class: "dismiss", text: "忽略", onclick: async () => {
            await call("queue_dismiss", { escalation_id: item.escalation_id });
            refresh();
          } }))));
    }
  }

  function renderShelf(products, onScreen) {
    const body = document.getElementById("shelf");
    const focused = document.activeElement && body.contains(document.activeElement);
    if (focused) return; // do not redraw under the streamer's cursor
    clear(body);
    for (const p of products) {
      const price = el("input", { type: "number", min: 0, step: "0.1", value: p.price, class: "price" });
      const stock = el("input", { type: "number", min: 0, step: 1, value: p.stock, class: "stock" });
      body.append(el("tr", { class: p.product_id === onScreen ? "on-screen" : "", dataset: { product: p.product_id } },
        el("td", { text: p.link + "号" }),
        el("td", {}, el("span", { text: p.title }), el("div", { class: "muted", text: p.product_id })),
        el("td", {}, price), el("td", {}, stock),
        el("td", {},
          el("button", { type: "button", class: "save", text: "保存", onclick: async () => {
            const data = await api("PATCH", "/api/rooms/" + encodeURIComponent(roomId) + "/products/" +
              encodeURIComponent(p.product_id), { price: Number(price.value), stock: parseInt(stock.value, 10) });
            document.getElementById("shelf-status").textContent = data.ok ? p.product_id + " 已更新" : "";
            price.blur(); stock.blur();
            refresh();
          } }),
          el("button", { type: "button", class: "show", text: p.product_id === onScreen ? "下架讲解" : "讲解", onclick: async () => {
            await api("POST", "/api/rooms/" + encodeURIComponent(roomId) + "/on_screen",
              { product_id: p.product_id === onScreen ? null : p.product_id });
            refresh();
          } }))));
    }
  }

  function renderSettings(s) {
    const pause = document.getElementById("pause");
    pause.textContent = s.paused ? "恢复机器人" : "暂停机器人";
    pause.dataset.paused = s.paused ? "1" : "0";
    document.getElementById("approve-mode").checked = s.approve_mode;
    const below = document.getElementById("approve-below");
    if (document.activeElement !== below) below.value = s.approve_below;
  }

  function renderTimers(timers) {
    const list = clear(document.getElementById("timers"));
    for (const t of timers) {
      const every = [t.every_min ? "每" + t.every_min + "分钟" : "", t.every_comments ? "每" + t.every_comments + "条评论" : ""]
        .filter(Boolean).join(" / ");
      list.append(el("li", { dataset: { timer: t.timer_id } }, el("span", { text: t.text }), " ",
        el("span", { class: "muted", text: every + " · 已发 " + t.sent }), " ",
        el("button", { type: "button", text: "删除", onclick: async () => {
          await call("timer_clear", { timer_id: t.timer_id }); refresh();
        } })));
    }
  }

  document.getElementById("pause").addEventListener("click", async () => {
    await call("console_settings", { paused: !(state && state.settings.paused) });
    refresh();
  });
  document.getElementById("approve-mode").addEventListener("change", async (ev) => {
    const below = parseFloat(document.getElementById("approve-below").value);
    const payload = { approve_mode: ev.target.checked };
    if (!Number.isNaN(below)) payload.approve_below = below;
    await call("console_settings", payload);
    refresh();
  });
  document.getElementById("approve-below").addEventListener("change", async (ev) => {
    const below = parseFloat(ev.target.value);
    if (!Number.isNaN(below)) await call("console_settings", { approve_below: below });
  });
  document.getElementById("announce").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("announce-text");
    if (!input.value.trim()) return;
    const ack = await call("announce", { text: input.value.trim() });
    if (ack.ok) { input.value = ""; status("announced"); }
  });
  document.getElementById("timer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const payload = { text: document.getElementById("timer-text").value.trim() };
    const minutes = parseFloat(document.getElementById("timer-min").value);
    const comments = parseInt(document.getElementById("timer-comments").value, 10);
    if (!Number.isNaN(minutes)) payload.every_min = minutes;
    if (!Number.isNaN(comments)) payload.every_comments = comments;
    const ack = await call("timer_set", payload);
    if (ack.ok) refresh();
  });
  setInterval(() => { if (socket.connected && document.body.dataset.joined) refresh(); }, 2000);
})();
