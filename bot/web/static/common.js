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

function money(value) {
  return value === null || value === undefined ? "" : "¥" + Number(value).toFixed(2).replace(/\.00$/, "");
}

function when(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleTimeString();
}

function emitAck(socket, event, payload) {
  return new Promise((resolve) => {
    socket.timeout(10000).emit(event, payload, (err, ack) => {
      resolve(err ? { ok: false, error: { code: "timeout", message: "no answer from the server" } } : ack);
    });
  });
}
