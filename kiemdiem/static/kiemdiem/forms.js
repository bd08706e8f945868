// Date fields (inputs marked data-datepicker): typed as dd/mm/yyyy, with a "Lịch" button beside
// each that opens a calendar (vanillajs-datepicker, served from npm) showing dd/mm/yyyy and
// greying out the days outside data-min .. data-max, the range the server accepts (also written
// under the field). The calendar only writes the day picked into the field; what someone types
// is never changed behind their back: a wrong or out-of-range day is named by the server, in
// Vietnamese, and nothing is saved. Fields that htmx swaps in get their button too.
(function () {
  "use strict";

  function parse(text) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    return m ? new Date(Number(m[3]), Number(m[2]) - 1, Number(m[1])) : undefined;
  }

  function attach(input) {
    if (input.dataset.kdCalendar) return;
    input.dataset.kdCalendar = "1";
    var group = document.createElement("div");
    group.className = "input-group kd-date";
    // Moving a field takes the caret out of it: someone already typing in it while the page
    // finishes loading (slow intranet) would lose what they type next. Put the caret back.
    var typing = document.activeElement === input;
    var start = input.selectionStart;
    var end = input.selectionEnd;
    input.parentNode.insertBefore(group, input);
    group.appendChild(input);
    if (typing) {
      input.focus();
      input.setSelectionRange(start, end);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary";
    button.textContent = "Lịch";
    button.setAttribute("aria-label", "Chọn ngày trên lịch");
    // Which field it fills, read after its name (two date fields, two told-apart buttons).
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    if (label) {
      label.id = label.id || input.id + "_label";
      button.setAttribute("aria-describedby", label.id);
    }
    button.setAttribute("aria-expanded", "false");
    group.appendChild(button);
    var box = document.createElement("div");
    box.className = "kd-calendar";
    box.hidden = true;
    group.insertAdjacentElement("afterend", box);
    var picker = null;
    var quiet = false; // setDate() from the field's own value is not a pick

    function close(focusInput) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (focusInput) input.focus();
    }

    button.addEventListener("click", function () {
      if (!box.hidden) {
        close(true);
        return;
      }
      if (!picker) {
        picker = new window.Datepicker(box, {
          format: "dd/mm/yyyy",
          language: "vi",
          weekStart: 1,
          todayHighlight: true,
          buttonClass: "btn",
          minDate: parse(input.dataset.min),
          maxDate: parse(input.dataset.max),
        });
        box.addEventListener("changeDate", function () {
          if (quiet) return;
          input.value = picker.getDate("dd/mm/yyyy") || "";
          input.dispatchEvent(new Event("change", { bubbles: true }));
          close(true);
        });
      }
      var day = parse(input.value);
      quiet = true;
      if (day) picker.setDate(day); else picker.setDate({ clear: true });
      quiet = false;
      box.hidden = false;
      button.setAttribute("aria-expanded", "true");
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close(true);
    });
  }

  function init(root) {
    if (!window.Datepicker || !root || !root.querySelectorAll) return;
    root.querySelectorAll("input[data-datepicker]").forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
