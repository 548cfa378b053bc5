// The answer beside the form follows the typing (progressive enhancement: without this file the page's button
// posts the form and the page comes back with the same answer). Each change posts the form to /live a few
// milliseconds after the last keystroke; an answer that arrives after a newer one was asked is dropped. Then
// « Pourquoi pas ? », when the answer has one to show, is fetched from /live/why-not.
"use strict";

(function () {
  const form = document.getElementById("candidate-form");
  const section = document.getElementById("reponse");
  if (!form || !section || !window.fetch || !window.FormData) return;
  const DELAY_MS = 40;
  let timer = null;
  let asked = 0;
  let controller = null;

  function fields() {
    const data = new FormData(form);
    data.delete("candidate_file");
    data.delete("action");
    return data;
  }

  function post(url, data, signal) {
    return fetch(url, { method: "POST", body: data, signal: signal, headers: { "X-Requested-With": "live" } });
  }

  function update() {
    if (controller) controller.abort();
    controller = new AbortController();
    const number = ++asked;
    section.setAttribute("aria-busy", "true");
    post("/live", fields(), controller.signal)
      .then(function (response) {
        if (response.status === 204) return null;
        return response.text();
      })
      .then(function (html) {
        if (number !== asked) return;
        section.setAttribute("aria-busy", "false");
        if (html === null) return;
        const adviser = section.querySelector("#adviser");  // the name typed to record the decision stays
        const typedName = adviser ? adviser.value : null;
        section.innerHTML = html;
        const replaced = section.querySelector("#adviser");
        if (replaced && typedName) replaced.value = typedName;
        section.classList.toggle("waiting", !section.querySelector("#answer-json"));
        section.dataset.kind = "missing";
        section.dataset.answered = String(number);
        whyNot(number);
      })
      .catch(function () { /* a request replaced by a newer one, or the server gone: the answer shown stays */ });
  }

  function whyNot(number) {
    const slot = section.querySelector("[data-why-not]");
    if (!slot) return;
    post(slot.dataset.whyNot, fields(), controller.signal)
      .then(function (response) { return response.status === 200 ? response.text() : null; })
      .then(function (html) {
        if (number !== asked || html === null) return;
        slot.outerHTML = html;
      })
      .catch(function () {});
  }

  function schedule(event) {
    if (event && event.target && event.target.type === "file") return;
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  // Rows added or removed by cnam.js change the file without an input event.
  new MutationObserver(schedule).observe(form, { childList: true, subtree: true });
  document.documentElement.classList.add("live");
})();

// Printed, the answer shows its reasons unfolded.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.why-details").forEach(function (d) { d.open = true; });
});
