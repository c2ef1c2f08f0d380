// The post editor's live preview: posts the Markdown to the admin's preview view
// (the same renderer and sanitiser as the API) as the editor types, then shows the
// HTML with its word count and reading time. Loaded as a file: the admin's
// Content-Security-Policy allows no inline script.
"use strict";

(function () {
  const DELAY_MS = 300;

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function describe(data) {
    const words = data.word_count === 1 ? "word" : "words";
    return `${data.word_count} ${words} · ${data.reading_time_minutes} min read`;
  }

  function setUp(editor) {
    const textarea = editor.querySelector("textarea");
    const output = editor.querySelector(".markdown-editor-output");
    const stats = editor.querySelector(".markdown-editor-stats");
    const url = editor.dataset.previewUrl;
    let timer = null;
    let inFlight = null;

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
