// A platform-style live-room server on the official `socket.io` package (v4), for `cohost join` tests.
// Usage: node room_server.js PORT [LIFETIME_S]
// Listens on 127.0.0.1:PORT only. Its event names are not live-cohost's:
//   client → server  enter   {roomId, uid?, nick?}   ack {code: 0}          enter a room
//                    danmaku {content}               ack {code: 0 | 1, msg?} a viewer comment
//                    say     {content}               ack {code: 0}          the co-host speaks
//                    inject  {event, payload}        ack {code: 0}          test hook: the platform
//                                                                             sends any event to the room
//   server → room    danmaku {room, content, user: {uid, nick}}
//                    say     {room, uid, nick, content}
// Every enter / danmaku / say is also printed on stdout as one JSON line ({"event": ...}), after a
// first {"event": "listening", "port": N}. The process exits when stdin closes (its parent is gone)
// or after LIFETIME_S seconds (default 120): it never outlives the test.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const lifetime = Number(process.argv[3] || 120);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node room_server.js PORT [LIFETIME_S]");
  process.exit(2);
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const reply = (ack, body) => typeof ack === "function" && ack(body);
const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 5000, pingTimeout: 5000 });

io.on("connection", (socket) => {
  socket.on("enter", (data, ack) => {
    if (!isObj(data) || typeof data.roomId !== "string") {
      return reply(ack, { code: 1, msg: "roomId required" });
    }
    socket.data = { room: data.roomId, uid: String(data.uid ?? socket.id), nick: data.nick ?? null };
    socket.join(data.roomId);
    out({ event: "enter", room: data.roomId, uid: socket.data.uid, nick: socket.data.nick });
    reply(ack, { code: 0 });
  });

  socket.on("danmaku", (data, ack) => {
    const who = socket.data;
    if (!who || !who.room) return reply(ack, { code: 1, msg: "enter first" });
    if (!isObj(data) || typeof data.content !== "string") return reply(ack, { code: 1, msg: "content required" });
    io.to(who.room).emit("danmaku", { room: who.room, content: data.content, user: { uid: who.uid, nick: who.nick } });
    out({ event: "danmaku", room: who.room, uid: who.uid, content: data.content });
    reply(ack, { code: 0 });
  });

  socket.on("say", (data, ack) => {
    const who = socket.data;
    if (!who || !who.room) return reply(ack, { code: 1, msg: "enter first" });
    if (!isObj(data) || typeof data.content !== "string") return reply(ack, { code: 1, msg: "content required" });
    io.to(who.room).emit("say", { room: who.room, uid: who.uid, nick: who.nick, content: data.content });
    out({ event: "say", room: who.room, uid: who.uid, content: data.content });
    reply(ack, { code: 0 });
  });

  socket.on("inject", (data, ack) => {
    const who = socket.data;
    if (!who || !who.room || !isObj(data) || typeof data.event !== "string") {
      return reply(ack, { code: 1, msg: "enter first; {event, payload}" });
    }
    io.to(who.room).emit(data.event, data.payload);
    reply(ack, { code: 0 });
  });
});

httpServer.listen(port, "127.0.0.1", () => out({ event: "listening", port }));

const stop = () => {
  io.close();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
setTimeout(stop, lifetime * 1000).unref();
process.on("SIGTERM", stop);
