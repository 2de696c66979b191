// The page viewer: images of a PDF's real pages, each with its page number and a label.
// Shared by the district studio's preview and the designer's `watch` preview (/pages).
// Every text is set with textContent, never as HTML.
"use strict";

window.PortraitPages = {
  // body: {pages: total, images: [{page, label, width, height, src}]}; version: any string that
  // changes with the pages (tests and scripts wait for it).
  show(container, body, version) {
    container.replaceChildren();
    container.dataset.version = String(version);
    for (const image of body.images) {
      const figure = document.createElement("figure");
      figure.className = "page";
      const img = document.createElement("img");
      img.src = image.src;
      img.width = image.width;
      img.height = image.height;
      img.alt = "Page " + image.page + " of " + body.pages + ": " + image.label.toLowerCase();
      const caption = document.createElement("figcaption");
      caption.textContent = image.label + " · page " + image.page;
      figure.append(img, caption);
      container.append(figure);
    }
  },
};
