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

// Save and follow buttons and read marks change in place, as upvotes do.
// Without this script they are plain forms that post and come back to
// the page. postInPlace answers null when the reader must sign in first.
async function postInPlace(form, why) {
  const response = await fetch(form.action, {
    method: "POST",
    body: new URLSearchParams(new FormData(form)),
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (response.status === 401) {
    location.href = "/signin?" + (why ? "why=" + why + "&" : "") + "next=" + encodeURIComponent(location.pathname + location.search);
    return null;
  }
  if (!response.ok) throw new Error("HTTP " + response.status);
  return response.json();
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("save")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button.disabled) return;
  button.disabled = true;
  try {
    const result = await postInPlace(form, "save");
    if (!result) return;
    const id = form.elements.paper.value;
    for (const other of document.querySelectorAll("form.save")) {
      if (other.elements.paper.value !== id) continue;
      other.classList.toggle("saved", result.saved);
      other.elements.save.value = result.saved ? "0" : "1";
      const b = other.querySelector("button");
      b.setAttribute("aria-pressed", String(result.saved));
      b.title = result.saved ? "Remove from your Saved list" : "Save to your list";
      other.querySelector(".label").textContent = result.saved ? "Saved" : "Save";
    }
  } catch (err) {
    form.submit(); // fall back to the plain form, which shows any error
  } finally {
    button.disabled = false;
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const follow = form.classList.contains("follow");
  const read = form.classList.contains("read-mark");
  if (!follow && !read) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button.disabled) return;
  button.disabled = true;
  try {
    const result = await postInPlace(form);
    if (!result) return;
    if (follow) {
      form.classList.toggle("following", result.following);
      form.elements.unfollow.value = result.following ? "1" : "0";
      button.classList.toggle("primary", !result.following);
      button.setAttribute("aria-pressed", String(result.following));
      button.textContent = result.following ? "Following" : "Follow";
    } else {
      form.closest(".followed").classList.toggle("read", result.read);
      form.elements.read.value = result.read ? "0" : "1";
      button.setAttribute("aria-pressed", String(result.read));
      button.textContent = result.read ? "Mark unread" : "Mark as read";
    }
  } catch (err) {
    form.submit(); // fall back to the plain form, which shows any error
  } finally {
    button.disabled = false;
  }
});

// Copy buttons (hidden without this script) copy the text of the element
// they name, such as a paper's BibTeX.
for (const button of document.querySelectorAll("button.copy[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
    } catch (err) {
      // No clipboard (a page not served over HTTPS, say): select the
      // text, so that the reader can copy it themselves.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

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
    const result = await postInPlace(form, "foryou");
    if (!result) return;
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
