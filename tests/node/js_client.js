// A viewer on the official JavaScript client (socket.io-client v4) against a live-cohost server.
// Usage: node js_client.js URL ROOM_ID VIEWER_ID QUESTION
// Joins the room, asks the question, waits for the bot_reply and the product_card, then prints one
// JSON object {join, comment, bot_reply, product_card} on stdout and exits 0. Any failure or a
// 20 s deadline: one JSON object {error} and exit 1.
"use strict";

const { io } = require("socket.io-client");

const [url, roomId, viewerId, question] = process.argv.slice(2);
if (!question) {
  console.error("usage: node js_client.js URL ROOM_ID VIEWER_ID QUESTION");
  process.exit(2);
}

const socket = io(url, { reconnection: false, timeout: 10000 });
const got = {};

function finish(code, result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  socket.close();
  process.exit(code);
}

const deadline = setTimeout(
  () => finish(1, { error: "timeout", got }),
  20000,
);

function done() {
  if (got.comment && got.bot_reply && got.product_card) {
    clearTimeout(deadline);
    finish(0, got);
  }
}

socket.on("bot_reply", (reply) => {
  got.bot_reply = reply;
  done();
});
socket.on("product_card", (card) => {
  got.product_card = card;
  done();
});
socket.on("error", (err) => finish(1, { error: "server error event", detail: err, got }));
socket.on("connect_error", (err) => finish(1, { error: "connect_error: " + err.message }));

socket.on("connect", async () => {
  try {
    got.join = await socket.timeout(10000).emitWithAck("join_room", {
      room_id: roomId,
      viewer_id: viewerId,
      name: "js-viewer",
    });
    if (!got.join.ok) return finish(1, { error: "join refused", got });
    got.comment = await socket.timeout(10000).emitWithAck("comment", { text: question });
    if (!got.comment.ok) return finish(1, { error: "comment refused", got });
    done();
  } catch (err) {
    finish(1, { error: String(err), got });
  }
});
