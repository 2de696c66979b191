// The web edition's reflection worksheet: optional. Without this script the worksheet is still a
// form a reader can fill in and print. With it, answers are kept in this browser (localStorage,
// never sent anywhere) and can be printed or saved as a text file.
(function () {
  "use strict";
  var table = document.querySelector("table.worksheet");
  if (!table) return;
  var key = "portrait-worksheet:" + location.pathname;
  var fields = table.querySelectorAll("input, textarea");

  function save() {
    var answers = {};
    fields.forEach(function (field) {
      if (field.type === "radio") { if (field.checked) answers[field.name] = field.value; }
      else answers[field.name] = field.value;
    });
    try { localStorage.setItem(key, JSON.stringify(answers)); } catch (e) { /* storage off: nothing kept */ }
  }

  function restore() {
    var answers;
    try { answers = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { answers = {}; }
    fields.forEach(function (field) {
      if (!(field.name in answers)) return;
      if (field.type === "radio") field.checked = answers[field.name] === field.value;
      else field.value = answers[field.name];
    });
  }

  function asText() {
    var lines = [document.title, ""];
    table.querySelectorAll("tbody").forEach(function (group) {
      var name = group.querySelector(".ws-name").textContent;
      var rating = group.querySelector("input:checked");
      var notes = group.querySelector("textarea");
      lines.push(name + ": " + (rating ? rating.value : "-"));
      if (notes && notes.value) lines.push(notes.title + ": " + notes.value);
      lines.push("");
    });
    return lines.join("\n");
  }

  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }

  restore();
  table.addEventListener("change", save);
  table.addEventListener("input", save);
  var tools = document.createElement("div");
  tools.className = "worksheet-tools";
  tools.appendChild(button("Print my answers", function () { window.print(); }));
  tools.appendChild(button("Save my answers as a file", function () {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([asText()], { type: "text/plain" }));
    link.download = "my-reflection.txt";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }));
  var note = document.createElement("p");
  note.className = "worksheet-status";
  note.textContent = "Your answers are kept in this browser only.";
  tools.appendChild(note);
  (table.closest(".table-scroll") || table).insertAdjacentElement("afterend", tools);
})();
