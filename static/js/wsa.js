// Progressive enhancement only: every page works without this file. No inline scripts: the
// Content-Security-Policy allows only files from our own origin.
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("wsa-live");
    if (live && text) {
      live.textContent = "";
      // A new text node after a tick makes screen readers read repeated messages too.
      window.setTimeout(function () { live.textContent = text; }, 50);
    }
  }

  // After a swap: focus an error summary so screen-reader users hear it, and announce what the
  // swapped content asks for (data-announce), or the page messages when all of <main> was swapped.
  // htmx fires afterSwap on the target (innerHTML) or on the new elements (outerHTML): handle once.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.target;
    var target = event.detail.target;
    if (!root || !root.querySelector) { return; }
    if (target && target.isConnected && root !== target) { return; }
    var summary = root.matches("[data-error-summary]") ? root : root.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); return; }
    if (root.id === "main") {
      // A new step replaced the page's content: focus stays on a removed button and would fall to
      // <body>. Move it to the new heading and say where the person is (and any page message).
      var heading = root.querySelector("h1");
      var said = [];
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
        said.push(heading.textContent);
      }
      var flash = root.querySelector(".wsa-messages");
      if (flash) { said.push(flash.textContent); }
      announce(said.join(". ").replace(/\s+/g, " ").trim());
      return;
    }
    var said = root.matches("[data-announce]") ? root : root.querySelector("[data-announce]");
    if (said) { announce(said.getAttribute("data-announce")); }
  });

  // Status fragments answer 304 Not Modified while nothing changed: keep what is shown. A browser
  // that revalidated from its cache hands htmx a 200 with the same ETag: keep that too.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr) { return; }
    if (xhr.status === 304) { event.detail.shouldSwap = false; return; }
    var target = event.detail.target;
    var etag = xhr.getResponseHeader("ETag");
    if (etag && target && target.getAttribute("data-etag") === etag) { event.detail.shouldSwap = false; }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    if (xhr && target && target.hasAttribute && target.hasAttribute("data-etag")) {
      var etag = xhr.getResponseHeader("ETag");
      if (etag) { target.setAttribute("data-etag", etag); }
    }
  });

  // Uploads: a progress bar while the files are sent.
  function progressOf(form) { return form.querySelector("[data-upload-progress]"); }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-upload]")) {
      var box = progressOf(form);
      if (box) { box.hidden = false; box.querySelector("progress").value = 0; }
    }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target;
    if (!(form.matches && form.matches("form[data-upload]")) || !event.detail.lengthComputable) { return; }
    var box = progressOf(form);
    if (box) { box.querySelector("progress").value = Math.round(100 * event.detail.loaded / event.detail.total); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-upload]")) {
      var box = progressOf(form);
      if (box) { box.hidden = true; }
    }
  });

  // Uploads: drag and drop onto the file field; dropped files are sent at once.
  function initDropzones(scope) {
    var zones = scope.querySelectorAll ? scope.querySelectorAll("[data-dropzone]") : [];
    Array.prototype.forEach.call(zones, function (zone) {
      if (zone.getAttribute("data-dropzone-ready")) { return; }
      zone.setAttribute("data-dropzone-ready", "1");
      var input = zone.querySelector("input[type=file]");
      var hint = zone.querySelector("[data-dropzone-hint]");
      if (!input) { return; }
      if (hint) { hint.hidden = false; }
      zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("wsa-dropzone--over"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("wsa-dropzone--over"); });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("wsa-dropzone--over");
        if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
        input.files = e.dataTransfer.files;
        var form = input.form;
        if (form && form.requestSubmit) { form.requestSubmit(); }
      });
    });
  }

  // The printable receipt: a print button (without JavaScript the browser's print works as usual).
  function initPrintButtons(scope) {
    var buttons = scope.querySelectorAll ? scope.querySelectorAll("[data-print]") : [];
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      if (button.getAttribute("data-print-ready")) { return; }
      button.setAttribute("data-print-ready", "1");
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function init(scope) { initDropzones(scope); initPrintButtons(scope); }
  // A form that came back with errors after a full page load (sign-in, for one): the error summary
  // takes focus so that it is read out and its links are the next stops for the Tab key.
  function focusErrorSummary() {
    var summary = document.querySelector("main [data-error-summary]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); focusErrorSummary(); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
