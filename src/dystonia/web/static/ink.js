/* Drawing page: records pointer events (with coalesced samples) as the pointer-event JSON of
   docs/ink/formats.md (version 1) and posts it to the API with the session's CSRF token.
   No inline script: the Content-Security-Policy allows scripts from 'self' only. */
(function () {
  "use strict";
  var card = document.getElementById("ink");
  var canvas = document.getElementById("ink-canvas");
  if (!card || !canvas) { return; }
  var ctx = canvas.getContext("2d");
  var save = document.getElementById("ink-save");
  var clear = document.getElementById("ink-clear");
  var status = document.getElementById("ink-status");
  var instructions = document.getElementById("ink-instructions");
  var strokes = [];
  var current = null;
  var lastT = -Infinity;

  function resize() {
    var rect = canvas.getBoundingClientRect();
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw();
  }

  function task() {
    var checked = card.querySelector("input[name=ink-task]:checked");
    return checked ? checked.value : "auto";
  }

  function sampleOf(ev) {
    var rect = canvas.getBoundingClientRect();
    var t = ev.timeStamp;
    if (t <= lastT) { t = lastT + 0.001; }  /* strictly increasing, as the format requires */
    lastT = t;
    var s = {
      x: Math.round((ev.clientX - rect.left) * 100) / 100,
      y: Math.round((ev.clientY - rect.top) * 100) / 100,
      t_ms: Math.round(t * 1000) / 1000,
      pressure: ev.pressure,
      pointerType: ev.pointerType === "pen" || ev.pointerType === "touch" ? ev.pointerType : "mouse"
    };
    if (ev.pointerType === "pen") { s.tiltX = ev.tiltX; s.tiltY = ev.tiltY; }
    return s;
  }

  function drawSegment(a, b) {
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  function redraw() {
    var rect = canvas.getBoundingClientRect();
    ctx.clearRect(0, 0, rect.width, rect.height);
    ctx.lineWidth = 2;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#1d3557";
    strokes.forEach(function (st) {
      for (var i = 1; i < st.length; i++) { drawSegment(st[i - 1], st[i]); }
    });
  }

  function add(ev) {
    var events = typeof ev.getCoalescedEvents === "function" ? ev.getCoalescedEvents() : [];
    if (!events.length) { events = [ev]; }
    events.forEach(function (e) {
      var s = sampleOf(e);
      if (current.length) { drawSegment(current[current.length - 1], s); }
      current.push(s);
    });
  }

  canvas.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    current = [];
    strokes.push(current);
    ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#1d3557";
    add(ev);
    save.disabled = false;
    status.textContent = "";
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (current) { ev.preventDefault(); add(ev); }
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    canvas.addEventListener(name, function (ev) {
      if (current) { add(ev); current = null; }
    });
  });

  clear.addEventListener("click", function () {
    strokes = []; current = null; lastT = -Infinity; save.disabled = true; status.textContent = "";
    redraw();
  });

  card.querySelectorAll("input[name=ink-task]").forEach(function (input) {
    input.addEventListener("change", function () {
      instructions.textContent = instructions.getAttribute("data-" + task()) || "";
    });
  });

  save.addEventListener("click", function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var body = {
      version: 1,
      task: task(),
      mm_per_px: 25.4 / 96,
      meta: { userAgent: navigator.userAgent.slice(0, 200), devicePixelRatio: window.devicePixelRatio || 1 },
      strokes: strokes.filter(function (st) { return st.length > 0; })
    };
    save.disabled = true;
    status.textContent = "Analysing…";
    fetch(card.getAttribute("data-post-url") + "?task=" + encodeURIComponent(task()), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (res.ok) {
        window.location.assign(card.getAttribute("data-result-base") + res.data.id);
        return;
      }
      var detail = res.data && res.data.detail;
      var msg = Array.isArray(detail) && detail.length ? (detail[0].message || detail[0].msg) : (detail || "could not be saved");
      status.textContent = "Not saved: " + msg;
      save.disabled = false;
    }).catch(function () {
      status.textContent = "Not saved: the server did not answer.";
      save.disabled = false;
    });
  });

  window.addEventListener("resize", resize);
  resize();
}());
