// The post editor's live preview: posts the Markdown to the admin's preview view
// (the same renderer and sanitiser as the API) as the editor types, then shows the
// HTML with its word count and reading time. Loaded as a file: the admin's
// Content-Security-Policy allows no inline script.
//
// With `data-image-chooser-url` on the textarea it also adds "Insert image": a
// popup (the image library's chooser) to pick or upload an image, whose reference
// `![](image:<id>)` is then put at the cursor, as a paragraph of its own (a lone
// image becomes a <figure>). The brackets stay empty so that the image's alt text,
// kept in the library, is the one readers get, also after it is edited there.
"use strict";

(function () {
  const DELAY_MS = 300;
  const CHOSEN = "blog:image-chosen"; // the chooser's message (image-admin.js)
  const PUBLIC_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function describe(data) {
    const words = data.word_count === 1 ? "word" : "words";
    return `${data.word_count} ${words} · ${data.reading_time_minutes} min read`;
  }

  // `text` in place of the characters start..end, on lines of its own, keeping
  // the browser's undo history where it can.
  function insertBlock(textarea, start, end, text) {
    const value = textarea.value;
    const before = value.slice(0, start);
    const after = value.slice(end);
    let lead = "\n\n";
    if (before === "" || before.endsWith("\n\n")) lead = "";
    else if (before.endsWith("\n")) lead = "\n";
    let trail = "\n\n";
    if (after === "") trail = "\n";
    else if (after.startsWith("\n\n")) trail = "";
    else if (after.startsWith("\n")) trail = "\n";
    const block = lead + text + trail;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    let inserted = false;
    try {
      inserted = document.execCommand("insertText", false, block);
    } catch (error) {
      inserted = false;
    }
    if (!inserted || textarea.value === value) {
      textarea.setRangeText(block, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const caret = start + lead.length + text.length;
    textarea.setSelectionRange(caret, caret);
  }

  function addImageButton(editor, textarea) {
    const url = textarea.dataset.imageChooserUrl;
    if (!url) return;
    const toolbar = document.createElement("div");
    toolbar.className = "markdown-editor-toolbar";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button markdown-editor-insert-image";
    button.textContent = "Insert image";
    button.title = "Choose an image of the library, or upload one, and put it at the cursor";
    toolbar.append(button);
    editor.querySelector(".markdown-editor-source").prepend(toolbar);

    let popup = null;
    let selection = [0, 0];
    button.addEventListener("click", function () {
      selection = [textarea.selectionStart, textarea.selectionEnd];
      const href = new URL(url, window.location.href);
      href.searchParams.set("_popup", "1");
      popup = window.open(
        href,
        `image_chooser__${textarea.id}`,
        "height=720,width=960,resizable=yes,scrollbars=yes",
      );
      if (popup) popup.focus();
    });
    window.addEventListener("message", function (event) {
      if (event.origin !== window.location.origin) return;
      if (!popup || event.source !== popup) return;
      const data = event.data || {};
      if (data.type !== CHOSEN || !PUBLIC_ID.test(String(data.uuid))) return;
      popup = null;
      insertBlock(textarea, selection[0], selection[1], `![](image:${data.uuid})`);
    });
  }

  function setUp(editor) {
    const textarea = editor.querySelector("textarea");
    const output = editor.querySelector(".markdown-editor-output");
    const stats = editor.querySelector(".markdown-editor-stats");
    const url = editor.dataset.previewUrl;
    let timer = null;
    let inFlight = null;
    addImageButton(editor, textarea);

    async function refresh() {
      if (inFlight) inFlight.abort();
      const controller = new AbortController();
      inFlight = controller;
      const body = new FormData();
      body.append("body", textarea.value);
      editor.classList.add("is-updating");
      try {
        const response = await fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(textarea.form) },
          signal: controller.signal,
        });
        if (!response.ok) {
          throw new Error(`the server answered ${response.status}`);
        }
        const data = await response.json();
        // The HTML comes from the server's allowlist sanitiser (nh3), as in the API.
        output.innerHTML = data.html;
        stats.textContent = describe(data);
        editor.classList.remove("has-error");
      } catch (error) {
        if (error.name === "AbortError") return;
        stats.textContent = `Preview unavailable (${error.message}); your text is safe.`;
        editor.classList.add("has-error");
      } finally {
        if (inFlight === controller) {
          inFlight = null;
          editor.classList.remove("is-updating");
        }
      }
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    });
    refresh();
  }

  function start() {
    document.querySelectorAll(".markdown-editor[data-preview-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
