// The image library's admin pages, loaded as a file (the admin's
// Content-Security-Policy allows no inline script); no dependencies.
//
// - An image's page: clicking the preview sets the focal point's number fields
//   (and a marker shows it). Without JavaScript the fields work on their own.
// - The chooser (the post editor's "Insert image" popup): choosing or uploading an
//   image hands its id to the editor that opened the popup, then closes it.
"use strict";

(function () {
  const MESSAGE_TYPE = "blog:image-chosen";

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function round(value) {
    return Math.round(value * 1000) / 1000;
  }

  function setUpFocalPoint(picker) {
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".focal-point-marker");
    const form = picker.closest("form");
    const inputX = form && form.querySelector("input[name=focal_x]");
    const inputY = form && form.querySelector("input[name=focal_y]");
    if (!image || !marker || !inputX || !inputY) return; // a view-only page
    picker.classList.add("is-active");
    const help = picker.parentElement.querySelector(".focal-point-help");
    if (help) help.hidden = false;

    function draw() {
      const x = parseFloat(inputX.value);
      const y = parseFloat(inputY.value);
      if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
        marker.hidden = true;
        return;
      }
      marker.style.left = `${x * 100}%`;
      marker.style.top = `${y * 100}%`;
      marker.hidden = false;
    }

    function set(input, value) {
      input.value = String(round(clamp(value)));
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    image.addEventListener("click", function (event) {
      const box = image.getBoundingClientRect();
      if (!box.width || !box.height) return;
      set(inputX, (event.clientX - box.left) / box.width);
      set(inputY, (event.clientY - box.top) / box.height);
      draw();
    });
    inputX.addEventListener("input", draw);
    inputY.addEventListener("input", draw);
    draw();
  }

  function setUpChooser(root) {
    // True when an editor got the image (the popup then closes).
    function send(uuid, alt) {
      const opener = window.opener;
      if (!opener || opener.closed) return false;
      opener.postMessage(
        { type: MESSAGE_TYPE, uuid: uuid, alt: alt || "" },
        window.location.origin,
      );
      window.close();
      return true;
    }

    root.querySelectorAll(".image-chooser-choice").forEach(function (button) {
      button.addEventListener("click", function () {
        if (send(button.dataset.uuid, button.dataset.alt)) return;
        // Opened on its own: select the reference, ready to copy.
        const code = button.parentElement.querySelector(".image-chooser-reference");
        if (code) window.getSelection().selectAllChildren(code);
      });
    });
    // Just uploaded, with nothing to read first (no warnings): insert it at once.
    if (root.dataset.chosenUuid && root.dataset.chosenAuto === "true") {
      send(root.dataset.chosenUuid, root.dataset.chosenAlt);
    }
  }

  function start() {
    document.querySelectorAll(".focal-point-picker").forEach(setUpFocalPoint);
    document.querySelectorAll(".image-chooser").forEach(setUpChooser);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
