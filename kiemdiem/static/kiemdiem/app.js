// Messages sent by the server in HX-Trigger ("messages": [{level, text}]) appear like page messages.
document.addEventListener("messages", function (event) {
  var box = document.getElementById("messages");
  if (!box || !event.detail || !event.detail.value) return;
  event.detail.value.forEach(function (m) {
    var div = document.createElement("div");
    div.className = "alert py-2 alert-" + (m.level === "error" ? "danger" : m.level || "info");
    div.textContent = m.text;
    box.appendChild(div);
  });
});

// Tree rows: the arrow of a unit turns when its children are opened or closed (no inline
// onclick, which the Content-Security-Policy refuses).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-kd-arrow]");
  if (!button) return;
  button.textContent = button.textContent === "▸" ? "▾" : "▸";
});

// A table wider than the phone scrolls inside its .table-responsive box: the box must be
// reachable by keyboard (WCAG 2.1.1), so every such box without its own tabindex becomes a
// focusable, named region, named after the table's caption or the card or heading above it.
function kdScrollableTables(root) {
  root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    var card = box.closest(".card");
    var header = card && card.querySelector(".card-header");
    var name = (caption || header || {}).textContent || "Bảng";
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
      box.setAttribute("aria-label", name.trim().replace(/\s+/g, " ").slice(0, 120));
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { kdScrollableTables(document); });
document.addEventListener("htmx:afterSwap", function (event) { kdScrollableTables(event.target); });
