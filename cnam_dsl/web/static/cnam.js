// Progressive enhancement of the adviser's form: the page works without this file.
// Adds and removes rows without a round trip, shows the milestone only where a
// diploma has several, marks the sources that state nothing for the diploma,
// and offers a print button.
"use strict";

(function () {
  const form = document.getElementById("candidate-form");
  if (!form) return;

  // Rows: the buttons post the form without JavaScript; here they act at once.
  form.addEventListener("click", function (event) {
    const button = event.target.closest("button[name=action]");
    if (!button) return;
    const [verb, list] = button.value.split(":");
    if (verb === "add") {
      event.preventDefault();
      addRow(list);
    } else if (verb === "remove") {
      event.preventDefault();
      const row = button.closest("fieldset.row");
      const rows = row.parentElement;
      row.remove();
      const next = rows.querySelector("input, select");
      if (next) next.focus();
    }
  });

  function addRow(list) {
    const rows = form.querySelector('.rows[data-list="' + list + '"]');
    const template = document.getElementById(list + "-template");
    if (!rows || !template) return;
    let next = 0;
    rows.querySelectorAll("fieldset.row").forEach(function (row) {
      next = Math.max(next, Number(row.dataset.row) + 1);
    });
    const html = template.innerHTML.split("__ROW__").join(String(next));
    rows.insertAdjacentHTML("beforeend", html);
    const added = rows.lastElementChild.querySelector("input, select");
    if (added) added.focus();
  }

  // Milestone and sources follow the diploma chosen.
  const diploma = document.getElementById("diploma");
  const milestone = document.getElementById("milestone");
  const statingData = document.getElementById("stating-sources");
  const stating = statingData ? JSON.parse(statingData.textContent) : {};

  function followDiploma() {
    const option = diploma.selectedOptions[0];
    const milestones = option && option.dataset.milestones ? option.dataset.milestones.split(" ") : ["delivery"];
    const field = milestone.closest(".field");
    Array.from(milestone.options).forEach(function (o) {
      o.hidden = o.disabled = !milestones.includes(o.value);
    });
    if (!milestones.includes(milestone.value)) milestone.value = milestones[0];
    field.hidden = milestones.length < 2 && !field.classList.contains("has-error");
    const applicable = (stating[diploma.value] || {})[milestone.value];
    form.querySelectorAll('input[name="sources"]').forEach(function (box) {
      const off = Array.isArray(applicable) && !applicable.includes(box.value);
      box.closest(".check").classList.toggle("not-applicable", off);
    });
  }
  if (diploma && milestone) {
    diploma.addEventListener("change", followDiploma);
    milestone.addEventListener("change", followDiploma);
    followDiploma();
  }

  // Print the answer (the print style sheet leaves the form out).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
