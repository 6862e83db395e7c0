// The photo ID status page updates itself while a check is being decided: it asks for the
// status every few seconds and, when it changes, puts the new page's content in place and
// says so politely to screen readers (the aria-live region). Without JavaScript (or if
// asking fails) the page says so and offers "Check again", which reloads it.
(function () {
  "use strict";
  var box = document.getElementById("idcheck-status");
  var announcer = document.getElementById("idcheck-announcer");
  if (!box || !announcer || !window.fetch || !window.DOMParser) return;
  var status = box.getAttribute("data-status");
  if (status !== "submitted" && status !== "awaiting_review" && status !== "awaiting_second") return;
  var delay = 3000;
  var tries = 0;

  function updating(on) {
    box.querySelectorAll(".app-js-only").forEach(function (el) { el.hidden = !on; });
    box.querySelectorAll(".app-no-js").forEach(function (el) { el.hidden = on; });
  }

  function replaceWith(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var fresh = next.getElementById("idcheck-status");
    if (!fresh) return;
    box.innerHTML = fresh.innerHTML;
    box.setAttribute("data-status", fresh.getAttribute("data-status"));
    document.title = next.title;
    var heading = box.querySelector("h1, .nhsuk-panel__title");
    announcer.textContent = heading ? heading.textContent.trim() : "Your check has been updated";
    if (status === "submitted" || status === "awaiting_review" || status === "awaiting_second") {
      updating(true);
      setTimeout(poll, delay);
    }
  }

  function poll() {
    tries += 1;
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) throw new Error("no status");
        // Slow down for checks waiting for a person.
        if (data.status !== "submitted") delay = 30000;
        if (data.status && data.status !== status) {
          status = data.status;
          return fetch(window.location.href, { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(replaceWith);
        }
        // Stop after about an hour: the page says to check again instead.
        if (tries < 240) setTimeout(poll, delay);
        else updating(false);
      })
      .catch(function () { updating(false); });
  }
  updating(true);
  setTimeout(poll, delay);
})();
