// Improves the plain forms; every action works without it.
// "Select all" on a list of checkboxes: a checkbox with data-select-all="NAME" ticks every
// checkbox named NAME in its form.
document.addEventListener("change", function (e) {
  var box = e.target;
  var name = box && box.getAttribute && box.getAttribute("data-select-all");
  if (!name || !box.form) return;
  var boxes = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
  for (var i = 0; i < boxes.length; i++) boxes[i].checked = box.checked;
});
