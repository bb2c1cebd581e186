// Small behaviours that the CSP (script-src 'self') keeps out of inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Decision buttons set the hidden "decision" field of their form.
  document.querySelectorAll("[data-decision]").forEach((button) => {
    button.addEventListener("click", () => {
      button.form.querySelector("input[name=decision]").value = button.dataset.decision;
    });
  });
});
