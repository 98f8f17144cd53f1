// Simulator Bot P2K2: plays the people of the demo against the real bot.
// Bot text is never put into innerHTML: every message is built from DOM nodes and text
// nodes, following its Telegram entities (bold, italic, code, pre, links...).
"use strict";

(() => {
  const sim = {
    version: 0,
    open: [], // user ids of the chat panels, in order
    people: new Map(),
    bot: { username: "", name: "" },
    rendered: new Map(), // user id -> signature of what the panel shows
    seenToasts: new Set(),
    loaded: false,
    controller: null,
  };

  // ------------------------------------------------------------------ helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function status(text, isError) {
    const box = document.getElementById("status");
    box.textContent = text || "";
    box.classList.toggle("error", Boolean(isError));
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (_ignored) {
      data = {};
    }
    if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  async function act(path, body) {
    try {
      const result = await post(path, body);
      status("");
      return result;
    } catch (error) {
      status(error.message, true);
      return null;
    }
  }

  const timeFormat = new Intl.DateTimeFormat("id-ID", {
    timeZone: "Asia/Jakarta",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });

  function fileUrl(fileId, download) {
    return `/api/files/${encodeURIComponent(fileId)}${download ? "?download=1" : ""}`;
  }

  function humanSize(bytes) {
    if (!bytes && bytes !== 0) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function safeHref(href) {
    try {
      const url = new URL(href, "http://invalid/");
      if (["http:", "https:", "tg:", "mailto:", "tel:"].includes(url.protocol)) return url.href;
    } catch (_ignored) {
      return null;
    }
    return null;
  }

  // A t.me link to our bot (https://t.me/<bot>?start=<payload>): its payload, else null.
  function botStartPayload(href) {
    try {
      const url = new URL(href);
      const host = url.hostname.toLowerCase();
      if (host !== "t.me" && host !== "telegram.me") return null;
      const path = url.pathname.replace(/^\//, "").toLowerCase();
      if (path !== sim.bot.username.toLowerCase()) return null;
      return url.searchParams.get("start") || "";
    } catch (_ignored) {
      return null;
    }
  }

  // --------------------------------------------------------- entities -> DOM

  function elementFor(entity, slice, userId) {
    switch (entity.type) {
      case "bold": return el("strong");
      case "italic": return el("em");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "spoiler": {
        const span = el("span", "spoiler");
        span.title = "Ketuk untuk melihat";
        span.addEventListener("click", () => span.classList.add("shown"));
        return span;
      }
      case "code": return el("code");
      case "pre": return el("pre");
      case "blockquote":
      case "expandable_blockquote": return el("blockquote");
      case "text_link": return link(entity.url);
      case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(slice) ? slice : `http://${slice}`);
      case "email": return link(`mailto:${slice}`);
      case "phone_number": return link(`tel:${slice}`);
      case "bot_command": {
        const span = el("span", "cmd");
        span.setAttribute("role", "button");
        span.tabIndex = 0;
        span.title = "Kirim perintah ini";
        span.addEventListener("click", () => act("/api/send", { user_id: userId, text: slice }));
        return span;
      }
      default: return el("span", `entity-${String(entity.type).replace(/[^a-z_]/g, "")}`);
    }
  }

  function link(href) {
    const safe = safeHref(href);
    if (!safe) return el("span");
    const a = el("a");
    a.href = safe;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    return a;
  }

  function buildRange(parent, text, start, end, entities, userId) {
    let pos = start;
    let i = 0;
    while (i < entities.length) {
      const entity = entities[i];
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.offset + entity.length, end);
      if (from >= to) {
        i += 1;
        continue;
      }
      if (from > pos) parent.append(document.createTextNode(text.slice(pos, from)));
      const inner = [];
      let j = i + 1;
      while (j < entities.length && entities[j].offset < to) {
        inner.push(entities[j]);
        j += 1;
      }
      const node = elementFor(entity, text.slice(entity.offset, entity.offset + entity.length), userId);
      buildRange(node, text, from, to, inner, userId);
      parent.append(node);
      pos = to;
      i = j;
    }
    if (pos < end) parent.append(document.createTextNode(text.slice(pos, end)));
  }

  // Offsets and lengths are in UTF-16 code units, as JavaScript strings are.
  function renderText(text, entities, userId) {
    const box = el("div", "text");
    const sorted = (entities || [])
      .filter((e) => e && e.length > 0)
      .slice()
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    buildRange(box, text, 0, text.length, sorted, userId);
    return box;
  }

  // ---------------------------------------------------------------- messages

  function renderInlineKeyboard(message, userId) {
    const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
    if (!rows.length) return null;
    const box = el("div", "inline-keyboard");
    for (const row of rows) {
      const line = el("div", "kb-row");
      for (const button of row) {
        line.append(inlineButton(button, message, userId));
      }
      box.append(line);
    }
    return box;
  }

  function inlineButton(button, message, userId) {
    if (button.callback_data !== undefined) {
      const node = el("button", "inline-btn", button.text);
      node.type = "button";
      node.dataset.callback = button.callback_data;
      node.addEventListener("click", async () => {
        node.disabled = true;
        await act("/api/press", {
          user_id: userId,
          message_id: message.message_id,
          data: button.callback_data,
        });
        node.disabled = false;
      });
      return node;
    }
    if (button.url !== undefined) {
      const payload = botStartPayload(button.url);
      const safe = safeHref(button.url);
      const node = el("a", "inline-btn", `${button.text} ↗`);
      if (safe) node.href = safe;
      node.rel = "noopener noreferrer";
      node.target = "_blank";
      if (payload !== null) node.addEventListener("click", (event) => openStartLink(event, payload));
      return node;
    }
    if (button.copy_text !== undefined) {
      const node = el("button", "inline-btn", button.text);
      node.type = "button";
      node.addEventListener("click", () => {
        const value = button.copy_text.text || "";
        if (navigator.clipboard) navigator.clipboard.writeText(value).catch(() => {});
        status(`Disalin: ${value}`);
      });
      return node;
    }
    const node = el("button", "inline-btn", button.text);
    node.type = "button";
    node.disabled = true;
    node.title = "Jenis tombol ini tidak didukung simulator";
    return node;
  }

  function renderMessage(message, userId) {
    const fromBot = Boolean(message.from && message.from.is_bot);
    const box = el("div", `msg ${fromBot ? "bot" : "me"}`);
    box.dataset.id = String(message.message_id);
    let shown = false;
    if (Array.isArray(message.photo) && message.photo.length) {
      const best = message.photo[message.photo.length - 1];
      const a = el("a", "photo");
      a.href = fileUrl(best.file_id, false);
      a.target = "_blank";
      a.rel = "noopener";
      const img = el("img");
      img.src = fileUrl(best.file_id, false);
      img.alt = "Foto";
      a.append(img);
      box.append(a);
      shown = true;
    }
    if (message.voice) {
      // A voice note plays in the page: the OGG/Opus file, served by the simulator.
      const voice = el("div", "voice");
      const audio = el("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = fileUrl(message.voice.file_id, false);
      voice.append(el("span", "voice-label", `🎧 Pesan suara, ${message.voice.duration} detik`));
      voice.append(audio);
      box.append(voice);
      shown = true;
    }
    if (message.document) {
      const doc = message.document;
      const name = doc.file_name || "berkas";
      const a = el("a", "document", `📄 ${name} (${humanSize(doc.file_size)})`);
      a.href = fileUrl(doc.file_id, true);
      a.download = name;
      box.append(a);
      shown = true;
    }
    if (message.contact) {
      box.append(el("div", "contact", `📱 Nomor HP dibagikan: ${message.contact.phone_number}`));
      shown = true;
    }
    if (message.sticker) {
      box.append(el("div", "text", message.sticker.emoji || "🖼️"));
      shown = true;
    }
    if (typeof message.text === "string") {
      box.append(renderText(message.text, message.entities, userId));
      shown = true;
    }
    if (typeof message.caption === "string") {
      box.append(renderText(message.caption, message.caption_entities, userId));
      shown = true;
    }
    if (!shown) box.append(el("div", "text", "(pesan jenis lain)"));
    const keyboard = renderInlineKeyboard(message, userId);
    if (keyboard) box.append(keyboard);
    let meta = timeFormat.format(new Date(message.date * 1000));
    if (message.edit_date) meta += " · diedit";
    box.append(el("div", "meta", meta));
    return box;
  }

  function renderReplyKeyboard(container, keyboard, userId) {
    container.replaceChildren();
    if (!keyboard || !Array.isArray(keyboard.keyboard)) return;
    for (const row of keyboard.keyboard) {
      const line = el("div", "kb-row");
      for (const raw of row) {
        const button = typeof raw === "string" ? { text: raw } : raw;
        const node = el("button", "reply-btn", button.text);
        node.type = "button";
        if (button.request_contact) {
          node.dataset.contact = "1";
          node.addEventListener("click", () => act("/api/contact", { user_id: userId }));
        } else {
          node.addEventListener("click", () => act("/api/send", { user_id: userId, text: button.text }));
        }
        line.append(node);
      }
      container.append(line);
    }
  }

  // ------------------------------------------------------------------ panels

  function panelOf(userId) {
    return document.querySelector(`section.chat[data-user="${userId}"]`);
  }

  function createPanel(userId) {
    const panel = el("section", "chat");
    panel.dataset.user = String(userId);
    const head = el("header", "chat-head");
    const who = el("div", "who");
    who.append(el("span", "name"), el("span", "role"));
    const menu = el("button", "menu-btn", "/");
    menu.type = "button";
    menu.title = "Menu perintah";
    const close = el("button", "close-btn", "×");
    close.type = "button";
    close.title = "Tutup chat ini";
    head.append(who, menu, close);
    const commands = el("div", "commands");
    commands.hidden = true;
    const messages = el("div", "messages");
    messages.setAttribute("aria-live", "polite");
    const toast = el("div", "toast");
    toast.hidden = true;
    const reply = el("div", "reply-keyboard");
    const form = el("form", "composer");
    form.autocomplete = "off";
    const input = el("input");
    input.type = "text";
    input.name = "text";
    input.maxLength = 4096;
    input.placeholder = "Ketik pesan atau /perintah…";
    input.setAttribute("aria-label", "Pesan");
    const send = el("button", "send-btn", "Kirim");
    send.type = "submit";
    form.append(input, send);
    const extras = el("div", "extras");
    const phone = el("button", "share-phone", "📱 Bagikan nomor HP");
    phone.type = "button";
    extras.append(phone);
    panel.append(head, commands, messages, toast, reply, form, extras);

    menu.addEventListener("click", () => {
      commands.hidden = !commands.hidden;
    });
    close.addEventListener("click", () => {
      sim.open = sim.open.filter((id) => id !== userId);
      panel.remove();
      sim.rendered.delete(userId);
      renderPeopleSelect();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      await act("/api/send", { user_id: userId, text });
      input.focus();
    });
    phone.addEventListener("click", () => act("/api/contact", { user_id: userId }));
    document.getElementById("chats").append(panel);
    return panel;
  }

  function renderCommands(container, commands, userId) {
    container.replaceChildren();
    if (!commands.length) container.append(el("span", "desc", "(tidak ada menu)"));
    for (const command of commands) {
      const button = el("button", "command", `/${command.command}`);
      button.type = "button";
      button.title = command.description;
      button.addEventListener("click", () => {
        container.hidden = true;
        act("/api/send", { user_id: userId, text: `/${command.command}` });
      });
      container.append(button);
    }
  }

  function showToasts(panel, toasts) {
    const box = panel.querySelector(".toast");
    for (const toast of toasts) {
      if (sim.seenToasts.has(toast.id)) continue;
      sim.seenToasts.add(toast.id);
      if (!sim.loaded) continue;
      box.textContent = toast.text;
      box.classList.toggle("alert", toast.alert);
      box.hidden = false;
      clearTimeout(box.hideTimer);
      if (toast.alert) {
        box.onclick = () => { box.hidden = true; };
      } else {
        box.hideTimer = setTimeout(() => { box.hidden = true; }, 4000);
      }
    }
  }

  function renderPanel(person, chat) {
    const userId = person.id;
    const panel = panelOf(userId) || createPanel(userId);
    panel.querySelector(".name").textContent = person.name;
    const role = panel.querySelector(".role");
    role.className = `role ${person.role}`;
    role.textContent = person.group
      ? `${person.role_label} · ${person.group} (${person.zone})`
      : person.role_label;
    renderCommands(panel.querySelector(".commands"), person.commands || [], userId);
    if (!chat) return;
    const signature = JSON.stringify([chat.messages, chat.keyboard]);
    if (sim.rendered.get(userId) !== signature) {
      sim.rendered.set(userId, signature);
      const list = panel.querySelector(".messages");
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
      list.replaceChildren(...chat.messages.map((m) => renderMessage(m, userId)));
      if (atBottom || !sim.loaded) list.scrollTop = list.scrollHeight;
      renderReplyKeyboard(panel.querySelector(".reply-keyboard"), chat.keyboard, userId);
    }
    showToasts(panel, chat.toasts || []);
  }

  // ------------------------------------------------------------- the header

  function renderPeopleSelect() {
    const select = document.getElementById("person-select");
    const keep = select.value;
    select.replaceChildren();
    for (const person of sim.people.values()) {
      if (sim.open.includes(person.id)) continue;
      const group = person.group ? `, ${person.group}` : "";
      const option = el("option", null, `${person.name} (${person.role_label}${group})`);
      option.value = String(person.id);
      select.append(option);
    }
    if (keep) select.value = keep;
    document.getElementById("open-person").disabled = !select.options.length;
  }

  function renderGroups(groups) {
    const select = document.getElementById("new-start");
    const keep = select.value;
    const list = document.getElementById("groups");
    for (const option of [...select.options]) {
      if (option.value && option.dataset.group) option.remove();
    }
    list.replaceChildren();
    for (const group of groups) {
      const option = el("option", null, `Tautan gabung kelompok ${group.name}`);
      option.value = group.join_payload;
      option.dataset.group = "1";
      select.append(option);
      const item = el("li");
      item.append(`${group.name} (${group.zone}), ${group.place}: `, el("code", null, group.join_link));
      list.append(item);
    }
    if (keep) select.value = keep;
  }

  function renderClock(state) {
    document.getElementById("clock-label").textContent = state.clock.label;
    document.getElementById("clock-wita").textContent = state.clock.wita;
    const list = document.getElementById("next-events");
    list.replaceChildren();
    const labels = {
      reminder: "Pengingat berikutnya",
      meeting: "Pertemuan berikutnya",
      after_meeting: "Jendela check-in berakhir",
    };
    for (const [key, label] of Object.entries(labels)) {
      const next = state.next[key];
      list.append(el("li", null, `${label}: ${next ? next.label : "—"}`));
    }
  }

  function openStartLink(event, payload) {
    event.preventDefault();
    const select = document.getElementById("new-start");
    let option = [...select.options].find((o) => o.value === payload);
    if (!option) {
      option = el("option", null, `Tautan ${payload}`);
      option.value = payload;
      select.append(option);
    }
    select.value = payload;
    const name = document.getElementById("new-name");
    name.focus();
    status("Tautan dipilih: ketik nama orang baru yang membukanya, lalu tekan Tambah.");
  }

  function apply(state) {
    sim.version = state.version;
    sim.bot = state.bot;
    sim.people = new Map(state.people.map((p) => [p.id, p]));
    if (!sim.loaded) {
      sim.open = state.people
        .filter((p) => p.featured !== null && p.featured !== undefined)
        .sort((a, b) => a.featured - b.featured)
        .map((p) => p.id);
    }
    renderClock(state);
    renderGroups(state.groups);
    for (const id of sim.open) {
      const person = sim.people.get(id);
      if (person) renderPanel(person, state.chats[String(id)]);
    }
    renderPeopleSelect();
    sim.loaded = true;
    document.body.dataset.version = String(state.version);
  }

  // ------------------------------------------------------------ long polling

  async function poll() {
    for (;;) {
      const controller = new AbortController();
      sim.controller = controller;
      const since = sim.loaded ? sim.version : 0;
      const wait = sim.loaded ? 25 : 0;
      const chats = sim.loaded ? `&chats=${sim.open.join(",")}` : "";
      const url = `/api/state?since=${since}&wait=${wait}${chats}`;
      try {
        const response = await fetch(url, { signal: controller.signal, cache: "no-store" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        apply(await response.json());
      } catch (error) {
        if (controller.signal.aborted) continue;
        status(`Tidak terhubung ke simulator (${error.message}); mencoba lagi…`, true);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    }
  }

  function refreshNow() {
    sim.rendered.clear();
    sim.version = 0;
    if (sim.controller) sim.controller.abort();
  }

  function openPanel(userId) {
    if (!sim.open.includes(userId)) sim.open.push(userId);
    const person = sim.people.get(userId);
    if (person) renderPanel(person, null);
    renderPeopleSelect();
    refreshNow();
    const panel = panelOf(userId);
    if (panel) panel.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  // ------------------------------------------------------------------- wiring

  function wire() {
    for (const button of document.querySelectorAll(".clock-buttons button")) {
      button.addEventListener("click", async () => {
        const buttons = document.querySelectorAll(".clock-buttons button");
        buttons.forEach((b) => { b.disabled = true; });
        status("Memajukan waktu…");
        const result = await act("/api/clock", { action: button.dataset.action });
        buttons.forEach((b) => { b.disabled = false; });
        if (result) status(`Sekarang ${result.label}${result.note ? ` (${result.note})` : ""}`);
      });
    }
    document.getElementById("open-person").addEventListener("click", () => {
      const value = document.getElementById("person-select").value;
      if (value) openPanel(Number(value));
    });
    document.getElementById("new-person").addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = document.getElementById("new-name");
      const start = document.getElementById("new-start");
      const result = await act("/api/people", { first_name: name.value, start: start.value });
      if (!result) return;
      name.value = "";
      start.value = "";
      openPanel(result.user.id);
    });
  }

  wire();
  poll();
})();
