/* The post editor's byline: drag the rows (or use ↑ ↓) to order the authors.
 *
 * The order is what readers see, first the primary author: each row's `sort_order`
 * is numbered 0..n-1 in the order shown, after every move and again just before
 * the form is sent. Without this script the numbers are typed by hand. Rows
 * without an author (the blank ones) keep their number: changing it would make
 * Django see them as filled in and ask for an author.
 */
"use strict";
{
  const ROW = "tr.form-row:not(.empty-form)";

  function rowsOf(group) {
    const body = group.querySelector("tbody");
    return body ? Array.from(body.children).filter((row) => row.matches(ROW)) : [];
  }

  function field(row, name) {
    return row.querySelector(`[name$="-${name}"]`);
  }

  function isCounted(row) {
    const author = field(row, "author");
    const removed = field(row, "DELETE");
    return Boolean(author && author.value) && !(removed && removed.checked);
  }

  function renumber(group) {
    let position = 0;
    for (const row of rowsOf(group)) {
      const order = field(row, "sort_order");
      if (order && isCounted(row)) {
        order.value = String(position);
        position += 1;
      }
    }
  }

  // A row's errors are a row of their own just above it: they move together.
  function withErrors(row) {
    const before = row.previousElementSibling;
    return before && before.classList.contains("row-form-errors")
      ? [before, row]
      : [row];
  }

  function placeBefore(moving, reference) {
    for (const part of withErrors(moving)) {
      reference.parentNode.insertBefore(part, withErrors(reference)[0]);
    }
  }

  function placeAfter(moving, reference) {
    const parts = withErrors(moving);
    let anchor = reference;
    for (const part of parts) {
      anchor.after(part);
      anchor = part;
    }
  }

  function move(group, row, step) {
    const rows = rowsOf(group);
    const neighbour = rows[rows.indexOf(row) + step];
    if (!neighbour) {
      return;
    }
    if (step < 0) {
      placeBefore(row, neighbour);
    } else {
      placeAfter(row, neighbour);
    }
    renumber(group);
  }

  function button(label, text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "byline-move";
    element.textContent = text;
    element.title = label;
    element.setAttribute("aria-label", label);
    element.style.marginLeft = "4px";
    element.addEventListener("click", onClick);
    return element;
  }

  function equip(group, row) {
    const order = field(row, "sort_order");
    if (!order || row.dataset.bylineReady) {
      return;
    }
    row.dataset.bylineReady = "1";
    order.readOnly = true;
    order.title = "Set by the order of the rows: drag them, or use ↑ ↓.";
    order.style.width = "3em";

    const handle = document.createElement("span");
    handle.className = "byline-handle";
    handle.textContent = "⠿";
    handle.title = "Drag to reorder";
    handle.setAttribute("aria-hidden", "true");
    handle.style.cursor = "grab";
    handle.style.padding = "0 6px";
    // Only the handle starts a drag: the author search box keeps its clicks.
    handle.addEventListener("pointerdown", () => {
      row.draggable = true;
    });
    handle.addEventListener("pointerup", () => {
      row.draggable = false; // pressed, not dragged
    });
    row.addEventListener("dragend", () => {
      row.draggable = false;
    });

    const up = button("Move up", "↑", () => move(group, row, -1));
    const down = button("Move down", "↓", () => move(group, row, 1));
    order.before(handle);
    order.after(up, down);
  }

  function setUp(group) {
    let dragged = null;
    const body = group.querySelector("tbody");
    if (!body) {
      return;
    }
    for (const row of rowsOf(group)) {
      equip(group, row);
    }

    body.addEventListener("dragstart", (event) => {
      const row = event.target.closest && event.target.closest(ROW);
      if (!row || !row.draggable) {
        event.preventDefault();
        return;
      }
      dragged = row;
      row.style.opacity = "0.5";
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", ""); // (Firefox drags nothing else)
    });
    body.addEventListener("dragover", (event) => {
      if (!dragged) {
        return;
      }
      event.preventDefault();
      const over = event.target.closest && event.target.closest(ROW);
      if (!over || over === dragged) {
        return;
      }
      const box = over.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) {
        placeBefore(dragged, over);
      } else {
        placeAfter(dragged, over);
      }
    });
    body.addEventListener("drop", (event) => {
      if (dragged) {
        event.preventDefault();
      }
    });
    body.addEventListener("dragend", () => {
      if (dragged) {
        dragged.style.opacity = "";
        dragged = null;
        renumber(group);
      }
    });

    // An author picked or removed, a row deleted: the numbers follow.
    group.addEventListener("change", () => renumber(group));
    if (window.django && window.django.jQuery) {
      // The author search (select2) reports its choice through jQuery only.
      window.django.jQuery(group).on("change", "select", () => renumber(group));
    }
    const form = group.closest("form");
    if (form) {
      form.addEventListener("submit", () => renumber(group));
    }
    renumber(group);
  }

  function groupOf(element) {
    const fieldset = element.closest && element.closest("fieldset.byline-inline");
    return fieldset ? fieldset.closest(".inline-group") : null;
  }

  document.addEventListener("formset:added", (event) => {
    const group = groupOf(event.target);
    if (group) {
      equip(group, event.target);
      renumber(group);
    }
  });
  document.addEventListener("formset:removed", () => {
    for (const fieldset of document.querySelectorAll("fieldset.byline-inline")) {
      renumber(fieldset.closest(".inline-group"));
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    for (const fieldset of document.querySelectorAll("fieldset.byline-inline")) {
      const group = fieldset.closest(".inline-group");
      if (group) {
        setUp(group);
      }
    }
  });
}
