/**
 * The viewer's only script, served as /ui/assets/app.js. It fetches each page's content with the
 * API key from session storage, asks for a key when the API answers 401, follows running batches'
 * event streams (moving their figures on every event, and re-reading the page's other parts
 * while the batch runs), and downloads exports with the key. Plain browser JavaScript kept as a string,
 * so that Node and Workers serve it alike with no build step.
 */
export const APP_JS = String.raw`"use strict";
(() => {
  const KEY = "tickbox.apiKey";
  const MAX_STREAMS = 4; // a browser keeps about six connections per host; leave room for the rest
  const REFRESH_MS = 2000; // the parts of a running batch's page that events do not carry, at most this often
  const main = document.getElementById("main");
  const keyForm = document.getElementById("key-form");
  const keyInput = document.getElementById("key-input");
  const keyMessage = document.getElementById("key-message");
  const forget = document.getElementById("forget-key");
  let streams = [];
  // Each load of a page's content starts a generation; work begun for an earlier one is dropped.
  let generation = 0;
  let refresh = { timer: null, running: false, last: 0 };

  const storedKey = () => sessionStorage.getItem(KEY);
  const auth = () => (storedKey() ? { authorization: "Bearer " + storedKey() } : {});

  // The same formats as src/ui/format.ts.
  const FORMATS = {
    count: (v) => (v == null ? "–" : Number(v).toLocaleString("en-US")),
    percent: (v) => (v == null ? "–" : (v * 100).toFixed(1) + "%"),
    score: (v) => (v == null ? "–" : Number(v).toFixed(3)),
    rate: (v) => (v == null ? "–" : Number(v).toFixed(2) + "/s"),
    tokens: (u) => (u == null ? "–" : (u.prompt_tokens + u.completion_tokens).toLocaleString("en-US")),
    duration: (v) => {
      if (v == null) return "–";
      if (v < 60) return Math.round(v) + "s";
      const m = Math.floor(v / 60);
      return m < 60 ? m + "m " + Math.round(v % 60) + "s" : Math.floor(m / 60) + "h " + (m % 60) + "m";
    },
  };

  const pick = (object, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), object);

  function stopStreams() {
    for (const controller of streams) controller.abort();
    streams = [];
    clearTimeout(refresh.timer);
    refresh = { timer: null, running: false, last: 0 };
  }

  // The parts of the page marked data-refresh (a running batch's summary, heatmap and table) are
  // read again from the server, at most every REFRESH_MS and once more after the last event, so
  // that nothing on the page stays at its load-time value while the batch runs.
  function scheduleRefresh() {
    if (!main.querySelector("[data-refresh]") || refresh.timer) return;
    const wait = Math.max(0, refresh.last + REFRESH_MS - Date.now());
    refresh.timer = setTimeout(refreshParts, wait);
  }

  async function refreshParts() {
    const mine = generation;
    refresh.timer = null;
    if (refresh.running) return scheduleRefresh();
    refresh.running = true;
    refresh.last = Date.now();
    try {
      const res = await fetch(location.pathname + location.search, { headers: { "x-tickbox-partial": "1", ...auth() } });
      const html = await res.text();
      if (mine !== generation || !res.ok || res.headers.get("x-tickbox-problem")) return;
      const fresh = new DOMParser().parseFromString(html, "text/html");
      for (const part of fresh.querySelectorAll("[data-refresh]")) {
        const current = main.querySelector('[data-refresh="' + part.dataset.refresh + '"]');
        if (current) current.replaceWith(document.importNode(part, true));
      }
    } catch (error) {
      console.warn("refresh failed:", error.message);
    } finally {
      if (mine === generation) refresh.running = false;
    }
  }

  function showKeyForm(message) {
    keyMessage.textContent = message;
    keyForm.hidden = false;
    main.replaceChildren();
    main.removeAttribute("aria-busy");
    keyInput.value = "";
    keyInput.focus();
  }

  async function load() {
    stopStreams();
    const mine = ++generation;
    forget.hidden = !storedKey();
    main.setAttribute("aria-busy", "true");
    let res;
    try {
      res = await fetch(location.pathname + location.search, { headers: { "x-tickbox-partial": "1", ...auth() } });
    } catch {
      main.innerHTML = '<p class="problem" role="alert">The service could not be reached.</p>';
      main.removeAttribute("aria-busy");
      return;
    }
    const html = await res.text();
    if (mine !== generation) return;
    if (res.headers.get("x-tickbox-problem") === "401") {
      const detail = new DOMParser().parseFromString(html, "text/html").querySelector(".problem");
      showKeyForm(storedKey() ? (detail ? detail.textContent : "That key was not accepted.") : "This service needs an API key.");
      return;
    }
    keyForm.hidden = true;
    main.innerHTML = html;
    main.removeAttribute("aria-busy");
    const page = main.querySelector("[data-title]");
    if (page) document.title = page.dataset.title + " · tickbox";
    followRunning();
  }

  function update(root, batch) {
    for (const el of root.querySelectorAll("[data-field]")) {
      if (el.tagName === "PROGRESS") {
        el.max = batch.total;
        el.value = batch.summary.items_finished;
        continue;
      }
      const value = pick(batch, el.dataset.field);
      if (value === undefined) continue;
      const format = el.dataset.format;
      if (format === "badge") {
        el.textContent = value;
        el.className = "badge badge-" + value;
      } else {
        el.textContent = (FORMATS[format] || String)(value);
      }
    }
    root.dataset.status = batch.status;
  }

  async function follow(root, signal) {
    const id = root.dataset.batch;
    try {
      const res = await fetch("/v1/batches/" + encodeURIComponent(id) + "/events", { headers: { accept: "text/event-stream", ...auth() }, signal });
      if (!res.ok || !res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trim();
          }
          if (!data) continue;
          // The batch has ended: the page is read again for its final figures and results.
          if (event === "end") return load();
          update(root, JSON.parse(data));
          scheduleRefresh();
        }
      }
    } catch (error) {
      if (error.name !== "AbortError") console.warn("live progress stopped:", error.message);
    }
  }

  function followRunning() {
    const running = [...main.querySelectorAll('[data-batch][data-status="running"]')].slice(0, MAX_STREAMS);
    for (const root of running) {
      const controller = new AbortController();
      streams.push(controller);
      follow(root, controller.signal);
    }
  }

  async function download(link) {
    const res = await fetch(link.href, { headers: auth() });
    if (!res.ok) {
      link.insertAdjacentHTML("afterend", ' <span class="problem">download failed (' + res.status + ")</span>");
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = link.dataset.download;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-download]");
    if (!link) return;
    event.preventDefault();
    download(link);
  });

  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, keyInput.value.trim());
    load();
  });

  forget.addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    load();
  });

  window.addEventListener("pagehide", stopStreams);
  load();
})();
`;
