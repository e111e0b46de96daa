// Progressive enhancements; every page works without this file.
"use strict";

// Left and right arrow keys step to the previous and next period,
// unless the reader is typing in a field.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  const rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
  if (!rel) return;
  const link = document.querySelector(`.stepper a[rel="${rel}"]`);
  if (link) link.click();
});

// Choosing a date in the picker goes there at once.
const jump = document.querySelector("form.jump input[type=date]");
if (jump) {
  jump.addEventListener("change", () => {
    if (jump.value) jump.form.requestSubmit();
  });
}
