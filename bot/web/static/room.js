/* Viewer demo page: joins the room, sends comments, shows the bot's replies and the product cards
   pushed to this viewer, and sends card_click / add_to_cart / purchase for the card buttons. */
"use strict";

(function () {
  const roomId = document.body.dataset.room;
  const params = new URLSearchParams(location.search);
  let viewerId = params.get("viewer") || sessionStorage.getItem("cohost-viewer");
  if (!viewerId || !/^[A-Za-z0-9_.:@-]{1,128}$/.test(viewerId)) {
    viewerId = "web-" + Math.random().toString(36).slice(2, 10);
  }
  sessionStorage.setItem("cohost-viewer", viewerId);
  // at most 64 characters as the server counts them (code points): slicing UTF-16 units would cut
  // an emoji in half, and the lone half makes the name one the server refuses
  const name = Array.from(params.get("name") || viewerId).slice(0, 64).join("");

  const chat = document.getElementById("chat");
  const cards = document.getElementById("cards");
  const statusLine = document.getElementById("status");
  const onScreen = document.getElementById("on-screen");
  const titles = {};
  const socket = io({ transports: ["websocket", "polling"] });

  function say(node) {
    chat.append(node);
    chat.scrollTop = chat.scrollHeight;
  }

  function status(text) {
    statusLine.textContent = text;
  }

  socket.on("connect", async () => {
    const ack = await emitAck(socket, "join_room", { room_id: roomId, viewer_id: viewerId, name: name });
    if (!ack.ok) return status("join refused: " + ack.error.message);
    status("joined as " + name);
    document.body.dataset.joined = "1";
    onScreen.textContent = ack.on_screen || "–";
  });
  socket.on("disconnect", () => status("disconnected"));
  socket.on("error", (e) => status("refused: " + (e && e.message)));
  socket.on("on_screen", (e) => {
    onScreen.textContent = e.product_id ? titles[e.product_id] || e.product_id : "–";
  });

  socket.on("bot_reply", (r) => {
    const feedback = el("span", { class: "fb" });
    for (const [label, helpful] of [["有用", true], ["答错了", false]]) {
      feedback.append(
        el("button", {
          type: "button",
          class: helpful ? "up" : "down",
          text: label,
          title: helpful ? "helpful" : "wrong or not helpful",
          onclick: async () => {
            const ack = await emitAck(socket, "reply_feedback", { reply_id: r.reply_id, helpful: helpful });
            feedback.textContent = ack.ok ? "thanks" : ack.error.message;
          },
        })
      );
    }
    // an answer sent to the asker alone (the room's reply budget was spent) says so
    const who = (r.author === "streamer" ? "主播" : "小助手") + (r.audience === "asker" ? " · 仅你可见" : "");
    say(
      el(
        "div",
        { class: "msg " + (r.author === "streamer" ? "streamer" : "bot"), dataset: { reply: r.reply_id } },
        el("span", { class: "who", text: who }),
        el("span", { class: "text", text: r.text }),
        feedback
      )
    );
  });

  socket.on("product_card", (c) => {
    titles[c.product_id] = c.title;
    const noCards = document.getElementById("no-cards");
    if (noCards) noCards.remove();
    const line = el("div", { class: "muted result" });
    async function act(event, payload, done) {
      const ack = await emitAck(socket, event, payload);
      line.textContent = ack.ok ? done : ack.error.message;
    }
    const card = el(
      "div",
      { class: "card", dataset: { card: c.card_id, product: c.product_id } },
      el("div", { class: "title", text: c.link + "号 " + c.title }),
      el("div", {}, el("span", { class: "price", text: money(c.price) }),
        c.original_price ? el("span", { class: "was", text: money(c.original_price) }) : null),
      el("div", { class: "reason", text: c.reason }),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", class: "click", text: "查看",
          onclick: () => act("card_click", { card_id: c.card_id }, "已查看") }),
        el("button", { type: "button", class: "cart", text: "加购", disabled: !c.in_stock,
          onclick: () => act("add_to_cart", { product_id: c.product_id, card_id: c.card_id }, "已加入购物车") }),
        el("button", { type: "button", class: "buy primary", text: "购买", disabled: !c.in_stock,
          onclick: () => act("purchase", { product_id: c.product_id, card_id: c.card_id, qty: 1 }, "下单成功") })
      ),
      line
    );
    cards.prepend(card);
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
    if (!ack.ok) mine.append(el("div", { class: "muted", text: ack.error.message }));
    else {
      mine.dataset.comment = ack.comment_id;
      mine.dataset.kind = ack.kind;
      if (ack.escalated) mine.append(el("div", { class: "muted", text: "已转给主播" }));
    }
  });
})();
