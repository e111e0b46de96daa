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

// Upvote buttons toggle in place. Without this script they are plain
// forms that post and come back to the page.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("vote")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button.disabled) return;
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401) {
      location.href = "/signin?why=vote&next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    const result = await response.json();
    // Every button of the same paper on the page shows the new state.
    const id = form.elements.paper.value;
    for (const other of document.querySelectorAll("form.vote")) {
      if (other.elements.paper.value !== id) continue;
      other.classList.toggle("voted", result.upvoted);
      other.elements.up.value = result.upvoted ? "0" : "1";
      const b = other.querySelector("button");
      b.setAttribute("aria-pressed", String(result.upvoted));
      b.title = result.upvoted ? "Withdraw your upvote" : "Upvote";
      other.querySelector(".n").textContent = result.upvotes;
    }
  } catch (err) {
    form.submit(); // fall back to the plain form, which shows any error
  } finally {
    button.disabled = false;
  }
});

// "More like this" and "Not interested" act in place: the button turns
// into its undo, and a card marked Not interested fades. Without this
// script they are plain forms that post and come back to the page.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("signal")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button.disabled) return;
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401) {
      location.href = "/signin?why=foryou&next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    const result = await response.json();
    let undo = form.elements.undo;
    if (!undo) {
      undo = document.createElement("input");
      undo.type = "hidden";
      undo.name = "undo";
      form.append(undo);
    }
    undo.value = result.on ? "1" : "0";
    form.classList.toggle("on", result.on);
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = result.on ? "Undo " + button.dataset.label.toLowerCase() : button.dataset.label;
    const card = form.closest(".card");
    if (card && result.kind === "not_interested") card.classList.toggle("dismissed", result.on);
  } catch (err) {
    form.submit(); // fall back to the plain form, which shows any error
  } finally {
    button.disabled = false;
  }
});
