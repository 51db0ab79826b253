/* Operator review: every logged Q&A with filters; mark an answer wrong and write the right one (it
   becomes an FAQ entry of the product, live at once); CSV export. Auth: the HttpOnly cookie. */
"use strict";

(function () {
  const form = document.getElementById("filters");
  const body = document.querySelector("#qa tbody");
  const statusLine = document.getElementById("status");
  let rooms = [];

  for (const s of document.body.dataset.statuses.split(",")) {
    document.getElementById("f-status").append(el("option", { value: s, text: s }));
  }

  function query() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form).entries()) {
      if (!value) continue;
      if (key === "since" || key === "until") params.set(key, String(new Date(value).getTime() / 1000));
      else params.set(key, value);
    }
    return params.toString();
  }

  async function getJSON(path, options) {
    const r = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    const data = await r.json();
    if (!r.ok) statusLine.textContent = data.error ? data.error.message : String(r.status);
    return data;
  }

  async function loadRooms() {
    const data = await getJSON("/api/ops/rooms");
    rooms = data.rooms || [];
    const select = document.getElementById("f-room");
    const links = clear(document.getElementById("analytics-links"));
    links.append("analytics: ");
    for (const r of rooms) {
      select.append(el("option", { value: r.room_id, text: r.room_id }));
      links.append(el("a", { href: "/ops/rooms/" + encodeURIComponent(r.room_id), text: r.room_id, class: "room-link" }));
    }
  }

  function fixRow(row, tr) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("fix")) { next.remove(); return; }
    const room = rooms.find((r) => r.room_id === row.room_id);
    const product = el("select", { class: "fix-product" });
    for (const p of room ? room.products : []) {
      product.append(el("option", { value: p.product_id, text: p.link + "号 " + p.title, selected: p.product_id === row.product_id }));
    }
    const text = el("textarea", { class: "fix-answer", rows: 2, cols: 50, maxlength: 2000, placeholder: "the right answer" });
    const result = el("span", { class: "muted fix-result" });
    tr.after(el("tr", { class: "fix" }, el("td", { colspan: 10 },
      "Right answer for ", el("b", { text: row.text }), " about ", product, el("br"), text, " ",
      el("button", { type: "button", class: "primary save-fix", text: "Save as FAQ", onclick: async () => {
        const data = await getJSON("/api/ops/corrections", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ comment_id: row.comment_id, product_id: product.value, answer: text.value }),
        });
        result.textContent = data.ok ? "saved as " + data.faq_id + "; the bot answers it from now on" : data.error.message;
      } }), " ", result)));
  }

  function render(rows) {
    clear(body);
    document.getElementById("count").textContent = String(rows.length);
    for (const row of rows) {
      const answer = row.answer || (row.guess ? "guess: " + row.guess : "");
      const feedback = (row.feedback_up ? "up " + row.feedback_up + " " : "") + (row.feedback_down ? "down " + row.feedback_down : "");
      const tr = el("tr", { dataset: { comment: row.comment_id, status: row.status } },
        el("td", { text: when(row.created_at) }),
        el("td", { text: row.room_id }),
        el("td", { text: row.viewer_name || row.viewer_id }),
        el("td", { class: "text", text: row.text }),
        el("td", { text: row.kind || row.filtered || "" }),
        el("td", { text: row.confidence === null ? "" : Number(row.confidence).toFixed(2) }),
        el("td", { class: "answer" }, el("span", { text: answer }),
          row.corrected_answer ? el("div", { class: "muted", text: "corrected: " + row.corrected_answer }) : null),
        el("td", { text: row.status + (row.author === "streamer" ? "" : "") }),
        el("td", { text: feedback }),
        el("td", {}));
      tr.lastChild.append(el("button", { type: "button", class: "wrong", text: "Mark wrong", onclick: () => fixRow(row, tr) }));
      body.append(tr);
    }
  }

  async function load() {
    const data = await getJSON("/api/ops/qa?" + query());
    if (data.ok) { render(data.rows); statusLine.textContent = "loaded " + new Date().toLocaleTimeString(); }
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  document.getElementById("csv").addEventListener("click", () => { location.href = "/api/ops/qa.csv?" + query(); });
  loadRooms().then(load);
})();
