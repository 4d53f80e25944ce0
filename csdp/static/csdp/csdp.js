// Small behaviours of the shell (first-party; nothing from a CDN).
// 1. The function-bar toggle on narrow screens.
// 2. data-confirm: a form, a submit button or a link carrying data-confirm="…" asks before an
//    irreversible action (final delete, reopening a closed day, revoking a certificate, withdrawing an
//    application). The question is a <dialog>; 取消 leaves the page untouched.
(function () {
  "use strict";

  let dialog = null;

  function confirmDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    dialog.innerHTML =
      '<article><h3>请确认</h3><p id="confirm-dialog-text"></p>' +
      '<footer><button type="button" class="secondary" data-answer="no">取消</button> ' +
      '<button type="button" data-answer="yes">确定</button></footer></article>';
    document.body.appendChild(dialog);
    return dialog;
  }

  function ask(message) {
    const d = confirmDialog();
    d.querySelector("#confirm-dialog-text").textContent = message;
    return new Promise((resolve) => {
      const answer = (ok) => {
        d.removeEventListener("click", onClick);
        d.removeEventListener("cancel", onCancel);
        d.close();
        resolve(ok);
      };
      const onClick = (e) => {
        const b = e.target.closest("[data-answer]");
        if (b) answer(b.dataset.answer === "yes");
      };
      const onCancel = (e) => { e.preventDefault(); answer(false); };
      d.addEventListener("click", onClick);
      d.addEventListener("cancel", onCancel);
      d.showModal();
      d.querySelector('[data-answer="no"]').focus();
    });
  }

  // Capture phase on the document: runs before htmx's own submit handler on the form.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const submitter = event.submitter;
    const message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!message) return;
    if (form.dataset.confirmed === "yes") { delete form.dataset.confirmed; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(message).then((ok) => {
      if (!ok) return;
      form.dataset.confirmed = "yes";
      if (submitter && submitter.form === form) form.requestSubmit(submitter); else form.requestSubmit();
    });
  }, true);

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-confirm]");
    if (!link) return;
    if (link.dataset.confirmed === "yes") { delete link.dataset.confirmed; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(link.dataset.confirm).then((ok) => { if (ok) { link.dataset.confirmed = "yes"; link.click(); } });
  }, true);

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.querySelector("[data-menu-toggle]");
    const sidebar = document.getElementById("sidebar");
    if (toggle && sidebar) {
      toggle.addEventListener("click", () => {
        const open = sidebar.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      });
    }
  });
})();

// A print button without an inline handler (the Content-Security-Policy allows first-party scripts only).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
