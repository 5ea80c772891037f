// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Move focus to an error summary when a swap brings one, so screen-reader users hear it.
  var summary = event.detail.target.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  var live = document.getElementById("wsa-live");
  var announce = event.detail.target.querySelector("[data-announce]");
  if (live && announce) { live.textContent = announce.getAttribute("data-announce"); }
});
