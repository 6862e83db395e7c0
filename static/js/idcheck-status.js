// The photo ID status page updates itself while a check is being decided: it asks for the
// status every few seconds and, when it changes, puts the new page's content in place and
// says so politely to screen readers. Without JavaScript, "Check again" reloads the page.
(function () {
  "use strict";
  var box = document.getElementById("idcheck-status");
  var announcer = document.getElementById("idcheck-announcer");
  if (!box || !announcer || !window.fetch) return;
  var status = box.getAttribute("data-status");
  if (status !== "submitted" && status !== "awaiting_review" && status !== "awaiting_second") return;
  var again = document.getElementById("check-again");
  if (again) again.hidden = true;
  var delay = 3000;
  var tries = 0;

  function replaceWith(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var fresh = next.getElementById("idcheck-status");
    if (!fresh) return;
    box.innerHTML = fresh.innerHTML;
    box.setAttribute("data-status", fresh.getAttribute("data-status"));
    document.title = next.title;
    var heading = box.querySelector("h1, .nhsuk-panel__title");
    announcer.textContent = heading ? heading.textContent.trim() : "Your check has been updated";
  }

  function poll() {
    tries += 1;
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status && data.status !== status) {
          status = data.status;
          return fetch(window.location.href, { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(replaceWith);
        }
        // Slow down for checks waiting for a person; stop after about an hour.
        if (status !== "submitted") delay = 30000;
        if (tries < 240) setTimeout(poll, delay);
      })
      .catch(function () { if (again) again.hidden = false; });
  }
  setTimeout(poll, delay);
})();
