// Small behaviours of the shell (first-party; nothing from a CDN).
// 1. The function-bar toggle on narrow screens.
// 2. data-confirm: a form, a submit button or a link carrying data-confirm="…" asks before an
//    irreversible action (final delete, reopening a closed day, revoking a certificate, withdrawing an
//    application). The question is a <dialog>; 取消 leaves the page untouched.
// 3. Tables: every table scrolls inside its own container on a narrow screen (the page never scrolls
//    sideways), and a cell holding a number (1,234 / 1,234.56 元 / 12.5%) is right-aligned, unbroken.
// 4. data-print: a button that prints the page (print.css lays notices out on A4).
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

  // A number as the platform writes it: thousands separators, optional decimals, an optional unit.
  const NUMBER = /^[-+]?(\d{1,3}(,\d{3})+|\d{1,3})(\.\d+)?\s*(元|万元|股|份|户|笔|条|%|‰|天|个|人)?$/;

  function tidyTables(root) {
    root.querySelectorAll("table").forEach((table) => {
      const parent = table.parentElement;
      if (parent && !parent.classList.contains("table-scroll") && !table.closest(".no-scroll-wrap")) {
        const box = document.createElement("div");
        box.className = "table-scroll";
        parent.insertBefore(box, table);
        box.appendChild(table);
      }
      const numeric = new Map();  // column index -> [number cells, non-empty cells]
      table.querySelectorAll("tbody tr").forEach((row) => {
        Array.from(row.cells).forEach((cell, i) => {
          const text = cell.textContent.trim();
          if (!text || text === "—") return;
          const seen = numeric.get(i) || [0, 0];
          seen[1] += 1;
          if (NUMBER.test(text)) { seen[0] += 1; cell.classList.add("num"); }
          numeric.set(i, seen);
        });
      });
      const head = table.querySelector("thead tr");
      if (head) {
        numeric.forEach(([numbers, filled], i) => {
          if (numbers && numbers === filled && head.cells[i]) head.cells[i].classList.add("num");
        });
      }
    });
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("htmx:afterSwap", (event) => tidyTables(event.target));

  // 5. Filters fold away on a phone (details[data-fold-narrow]) unless a filter is in use.
  function foldFilters() {
    if (window.innerWidth > 800) return;
    document.querySelectorAll("details[data-fold-narrow]:not([data-active])").forEach((d) => { d.open = false; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    tidyTables(document);
    foldFilters();
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
