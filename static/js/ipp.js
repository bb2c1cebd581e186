// Small behaviours that the CSP (script-src 'self') keeps out of inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Decision buttons set the hidden "decision" field of their form.
  document.querySelectorAll("[data-decision]").forEach((button) => {
    button.addEventListener("click", () => {
      button.form.querySelector("input[name=decision]").value = button.dataset.decision;
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
