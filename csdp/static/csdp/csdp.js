// Small behaviours of the shell: the function-bar toggle on narrow screens.
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

// A print button without an inline handler (the Content-Security-Policy allows first-party scripts only).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
