// The designer's page view: after every build, the built PDF's real pages (static/pages.js);
// when a build fails, its error above the last good pages, as on the HTML preview.
"use strict";

(function () {
  const POLL_MS = 400;
  let seen = -1;

  async function poll() {
    try {
      const state = await (await fetch("/__build", { cache: "no-store" })).json();
      if (state.build !== seen) {
        seen = state.build;
        await show(state);
      }
    } catch (error) {
      document.getElementById("build-status").textContent = "The watcher is not answering (stopped?).";
    }
    setTimeout(poll, POLL_MS);
  }

  async function show(state) {
    const status = document.getElementById("build-status");
    const error = document.getElementById("build-error");
    if (!state.ok) {
      error.textContent = "The last build failed; the PDF and these pages are the last good build.\n\n" + state.error;
      error.hidden = false;
      status.textContent = "Build " + state.build + " failed.";
      return;
    }
    error.hidden = true;
    const body = await (await fetch("/__pages?build=" + state.build, { cache: "no-store" })).json();
    if (body.build !== state.build) return; // a newer build finished meanwhile: the next poll shows it
    window.PortraitPages.show(document.getElementById("pages"), body, state.build);
    status.textContent = "Build " + state.build + ": " + body.pages + " pages in " + state.seconds.toFixed(2) + " s.";
  }

  poll();
})();
