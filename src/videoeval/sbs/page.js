// The judgement form: keyboard choices per criterion, one submit, then the next item.
(function () {
  const form = document.getElementById("judge");
  if (!form) return;
  const sets = Array.from(form.querySelectorAll("fieldset.criterion"));
  const status = document.getElementById("status");
  let current = 0;
  function mark() {
    sets.forEach((set, n) => set.classList.toggle("current", n === current));
  }
  function choose(value) {
    const input = sets[current].querySelector('input[value="' + value + '"]');
    input.checked = true;
    current = Math.min(current + 1, sets.length - 1);
    mark();
  }
  sets.forEach((set, n) => set.addEventListener("click", () => { current = n; mark(); }));
  let sending = false;
  async function send() {
    if (sending) return;
    const choices = {};
    for (const set of sets) {
      const picked = set.querySelector("input:checked");
      if (!picked) { status.textContent = "Choose for every criterion first."; return; }
      choices[set.querySelector("input").name] = picked.value;
    }
    sending = true;
    status.textContent = "";
    try {
      const reply = await fetch(window.location.pathname + "/judge", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({item: form.dataset.item, choices: choices,
                              reason: form.elements.reason.value}),
      });
      if (!reply.ok) {
        const said = await reply.json().catch(() => ({}));
        status.textContent = said.error || ("Not saved (" + reply.status + "): try again.");
        sending = false;
        return;
      }
      window.location.reload();
    } catch (e) {
      status.textContent = "Not saved (the server did not answer): try again.";
      sending = false;
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "TEXTAREA") {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const value = {"1": "left", "2": "tie", "3": "right"}[event.key];
    if (value) { event.preventDefault(); choose(value); }
    else if (event.key === "r") { event.preventDefault(); form.elements.reason.focus(); }
    else if (event.key === "Enter") { event.preventDefault(); send(); }
    else if (event.key === "ArrowDown") { current = Math.min(current + 1, sets.length - 1); mark(); }
    else if (event.key === "ArrowUp") { current = Math.max(current - 1, 0); mark(); }
  });
  mark();
})();
