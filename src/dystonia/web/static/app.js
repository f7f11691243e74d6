/* Dystonia Workbench: the only script of our own. base.html loads it (deferred) after
   htmx.min.js, so it runs once the document is parsed and htmx is defined. No inline code,
   no eval: the Content-Security-Policy allows scripts from 'self' only.

   1. htmx: same-origin requests only, and the CSRF token of <meta name="csrf-token"> sent
      as the X-CSRF-Token header on every htmx request.
   2. Range inputs: the <output> next to a slider shows its value as it moves.
*/
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  /* -- 1. htmx ---------------------------------------------------------------------------- */
  if (window.htmx) {
    window.htmx.config.selfRequestsOnly = true;
    window.htmx.config.allowEval = false;
    window.htmx.config.allowScriptTags = false;
    window.htmx.config.includeIndicatorStyles = false;
    window.htmx.config.historyCacheSize = 0; // no snapshots of patient pages in localStorage
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  /* -- 2. live values of range inputs ----------------------------------------------------- */
  // The output shown for a range input: <output for="id">, else an <output> in the same
  // .range-field / .field, else the next <output> sibling.
  function outputFor(input) {
    if (input.id) {
      var outputs = document.getElementsByTagName("output");
      for (var i = 0; i < outputs.length; i++) {
        var forList = (outputs[i].getAttribute("for") || "").split(/\s+/);
        if (forList.indexOf(input.id) !== -1) {
          return outputs[i];
        }
      }
    }
    var box = input.closest(".range-field, .field");
    if (box) {
      var inside = box.querySelector("output");
      if (inside) {
        return inside;
      }
    }
    var next = input.nextElementSibling;
    while (next) {
      if (next.tagName === "OUTPUT") {
        return next;
      }
      next = next.nextElementSibling;
    }
    return null;
  }

  function showValue(input) {
    var output = outputFor(input);
    if (output) {
      output.value = input.value;
      output.textContent = input.value;
    }
    // how much of the track is filled (app.css draws it); CSSOM, so the CSP allows it
    var min = parseFloat(input.min || "0");
    var max = parseFloat(input.max || "100");
    var fill = max > min ? ((parseFloat(input.value) - min) / (max - min)) * 100 : 0;
    input.style.setProperty("--fill", fill + "%");
  }

  function syncAll(root) {
    var inputs = (root || document).querySelectorAll('input[type="range"]');
    for (var i = 0; i < inputs.length; i++) {
      showValue(inputs[i]);
    }
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.type === "range") {
      showValue(target);
    }
  });

  // After a form reset the sliders jump back; show their values again.
  document.addEventListener("reset", function (event) {
    var form = event.target;
    window.setTimeout(function () {
      syncAll(form);
    }, 0);
  });

  // Content swapped in by htmx may contain sliders too.
  document.addEventListener("htmx:afterSettle", function (event) {
    syncAll(event.target);
  });

  syncAll(document);
})();
