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
