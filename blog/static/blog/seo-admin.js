// The editors' "Search & social" section (blog/seo_admin.py), loaded as a file:
// the admin's Content-Security-Policy allows no inline script. No dependencies.
//
// - A live character counter under each SEO text field (`data-seo-recommended`),
//   warning past the length results and cards usually show.
// - The search result and social card previews: the whole form is posted, as it
//   stands, to the preview view, which answers what the API's `seo` would be.
"use strict";

(function () {
  const DELAY_MS = 400;
  const OBJECT_ID = "_seo_object_id"; // read by SeoAdminMixin.seo_preview_view

  function length(text) {
    return Array.from(text).length; // code points, as the server counts
  }

  function setUpCounter(field) {
    const recommended = parseInt(field.dataset.seoRecommended, 10);
    if (!(recommended > 0)) return;
    const counter = document.createElement("div");
    counter.className = "seo-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    const limit = field.maxLength > 0 ? field.maxLength : null;

    function update() {
      const count = length(field.value);
      const long = count > recommended;
      let text = `${count} / ${recommended} characters`;
      if (long) text += " (may be cut short where it is shown)";
      if (limit) text += ` · at most ${limit}`;
      counter.textContent = text;
      counter.classList.toggle("is-long", long);
    }

    field.addEventListener("input", update);
    update();
  }

  function show(root, data) {
    root.querySelectorAll("[data-seo-show]").forEach(function (element) {
      const [group, key] = element.dataset.seoShow.split(".");
      element.textContent = (data[group] && data[group][key]) || "";
    });
    const noindex = root.querySelector(".seo-preview-noindex");
    if (noindex) noindex.hidden = data.search.indexed;
    const image = root.querySelector(".seo-preview-card-image");
    const none = root.querySelector(".seo-preview-card-no-image");
    const picture = data.card.image;
    if (image) {
      if (picture) {
        image.src = picture.url;
        image.alt = picture.alt || "";
        image.width = picture.width;
        image.height = picture.height;
      } else {
        image.removeAttribute("src");
      }
      image.hidden = !picture;
    }
    if (none) none.hidden = Boolean(picture);
  }

  function describeErrors(errors) {
    const names = Object.keys(errors || {});
    if (!names.length) return "Up to date with your edits.";
    const fields = names.map(function (name) {
      return name.replace(/_/g, " ");
    });
    return `Showing the saved value of: ${fields.join(", ")} (fix the errors below).`;
  }

  function setUpPreview(root) {
    const form = root.closest("form");
    const url = root.dataset.seoPreviewUrl;
    const status = root.querySelector(".seo-preview-status");
    if (!form || !url) return;
    let timer = null;
    let inFlight = null;

    async function refresh() {
      if (inFlight) inFlight.abort();
      const controller = new AbortController();
      inFlight = controller;
      const body = new FormData(form);
      body.set(OBJECT_ID, root.dataset.objectId || "");
      root.classList.add("is-updating");
      try {
        const response = await fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": body.get("csrfmiddlewaretoken") || "" },
          signal: controller.signal,
        });
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        const data = await response.json();
        show(root, data);
        status.textContent = describeErrors(data.errors);
        root.classList.remove("has-error");
      } catch (error) {
        if (error.name === "AbortError") return;
        status.textContent = `Preview unavailable (${error.message}); your edits are safe.`;
        root.classList.add("has-error");
      } finally {
        if (inFlight === controller) {
          inFlight = null;
          root.classList.remove("is-updating");
        }
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    // The admin's autocomplete boxes (select2) announce changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", "select", schedule);
    }
  }

  function start() {
    document.querySelectorAll("[data-seo-recommended]").forEach(setUpCounter);
    document.querySelectorAll(".seo-preview[data-seo-preview-url]").forEach(setUpPreview);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
