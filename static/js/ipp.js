// Small behaviours that the CSP (script-src 'self') keeps out of inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Decision buttons set the hidden "decision" field of their form, where it has one (the others post their own
  // name and value).
  document.querySelectorAll("[data-decision]").forEach((button) => {
    button.addEventListener("click", () => {
      const field = button.form?.querySelector("input[name=decision]");
      if (field) field.value = button.dataset.decision;
    });
  });
});

// "Add another" buttons of formsets: copy the empty form, renumber it, count it.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-formset-add]").forEach((button) => {
    const prefix = button.dataset.formsetAdd;
    const fieldset = button.closest("fieldset");
    const total = fieldset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const template = fieldset.querySelector("template[data-formset-empty]");
    const body = fieldset.querySelector("[data-formset-body]");
    button.addEventListener("click", () => {
      const index = Number(total.value);
      body.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
      total.value = String(index + 1);
      body.lastElementChild.querySelector("select, textarea, input")?.focus();
    });
  });
});

// Buttons that undo work ask first: data-confirm holds the question.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// The listings box counts its non-blank lines against the platform's limit as the user pastes.
document.addEventListener("DOMContentLoaded", () => {
  const counter = document.getElementById("line-count");
  const box = document.getElementById("id_urls_text");
  if (!counter || !box) return;
  const limit = Number(counter.dataset.limit);
  const update = () => {
    const lines = box.value.split(/\r?\n/).filter((line) => line.trim()).length;
    counter.textContent = `${lines} / ${limit}`;
    counter.classList.toggle("text-danger", lines > limit);
  };
  box.addEventListener("input", update);
  update();
});

// Keyboard shortcuts of the reviewers' pages: a key clicks the element marked data-key="<key>", unless the
// reviewer is typing. data-key-needs names a field to fill first: the key goes to that field while it is empty
// (reject: the reason), and Escape leaves a field so the keys work again.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const element = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!element) return;
  event.preventDefault();
  const needed = element.dataset.keyNeeds && document.querySelector(element.dataset.keyNeeds);
  if (needed && !needed.value) {
    needed.focus();
    return;
  }
  element.click();
});

// "All of them" ticks or clears every enabled box of the named group.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-check-all]");
  if (!all) return;
  document.querySelectorAll(`input[name="${all.dataset.checkAll}"]:not(:disabled)`).forEach((box) => {
    box.checked = all.checked;
  });
});
